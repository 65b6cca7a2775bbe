"""Every Chinese text the pages show has an English entry, and English pages show no Chinese
interface text (people's data — customer names, case data — is marked translate="no")."""
from __future__ import annotations

import json
import re
from pathlib import Path

from web.i18n import catalog, catalog_files

WEB = Path(__file__).resolve().parents[2] / "web"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
# _("..."), _('...'), translate("..."), N_("...") with a literal first argument
TEMPLATE_KEY = re.compile(r"""\b_\(\s*(["'])((?:(?!\1).)+)\1""")
PYTHON_KEY = re.compile(r"""\b(?:translate|N_|_)\(\s*(["'])((?:(?!\1).)+)\1""")


def catalog_keys_used() -> dict[str, str]:
    """key -> where it is used."""
    used: dict[str, str] = {}
    for path in sorted((WEB / "templates").rglob("*.html")):
        for match in TEMPLATE_KEY.finditer(path.read_text(encoding="utf-8")):
            used.setdefault(match.group(2), str(path.relative_to(WEB)))
    for path in sorted((WEB / "views").rglob("*.py")):
        for match in PYTHON_KEY.finditer(path.read_text(encoding="utf-8")):
            used.setdefault(match.group(2), str(path.relative_to(WEB)))
    return used


def test_every_key_used_has_an_english_entry():
    english = catalog("en")
    used = catalog_keys_used()
    assert len(used) > 150, "the scan should find the pages' texts"
    missing = {key: where for key, where in used.items() if not english.get(key)}
    assert missing == {}, f"add English for: {json.dumps(missing, ensure_ascii=False, indent=1)}"
    chinese_in_english = {k: v for k, v in english.items() if CJK.search(v)}
    assert chinese_in_english == {}


def test_english_entries_keep_the_placeholders():
    english = catalog("en")
    placeholder = re.compile(r"\{(\w+)\}")
    wrong = {k: v for k, v in english.items() if set(placeholder.findall(k)) != set(placeholder.findall(v))}
    assert wrong == {}


def test_a_key_has_one_english_meaning_across_the_catalog_files():
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path in catalog_files("en"):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            if key in seen and seen[key][0] != value:
                clashes.append(f"{key}: {seen[key][1]} says {seen[key][0]!r}, {path.name} says {value!r}")
            seen.setdefault(key, (value, path.name))
    assert clashes == []


def test_no_chinese_text_outside_the_catalog_in_templates():
    """A Chinese word written straight into a template would stay Chinese on English pages."""
    offenders = []
    for path in sorted((WEB / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        text = TEMPLATE_KEY.sub("", text)
        text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
        text = re.sub(r'<[^>]*translate="no"[^>]*>[^<]*<', "", text)  # the other-language switch
        text = re.sub(r"\(\s*\w+\s*,\s*_\([^)]*\)\)", "", text)
        for line_no, line in enumerate(text.splitlines(), 1):
            if CJK.search(line):
                offenders.append(f"{path.name}:{line_no}: {line.strip()}")
    assert offenders == []
