"""Write bpmn/<process>.bpmn and bpmn/forms/<process>/<form>.json from processes.py and forms.py.

    .venv/bin/python bpmn/tools/build.py           # write the files
    .venv/bin/python bpmn/tools/build.py --check   # exit 1 if a committed file differs
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
BPMN_DIR = TOOLS.parent
sys.path[:0] = [str(TOOLS), str(BPMN_DIR.parent)]

from forms import FORMS  # noqa: E402
from processes import PROCESSES  # noqa: E402


def outputs() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for build in PROCESSES:
        process = build()
        files[BPMN_DIR / f"{process.id}.bpmn"] = process.to_xml()
        for name, definition in FORMS[process.id].items():
            text = json.dumps(definition, ensure_ascii=False, indent=2) + "\n"
            files[BPMN_DIR / "forms" / process.id / f"{name}.json"] = text
    return files


def main(argv: list[str]) -> int:
    files = outputs()
    if "--check" in argv:
        stale = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"out of date: {path.relative_to(BPMN_DIR.parent)}")
        return 1 if stale else 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(BPMN_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
