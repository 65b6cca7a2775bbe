"""Process owners' pages: the deployed models with their versions, the BPMN/DMN editor (it deploys
through `POST /api/v1/process-models`, as any client would), a version's form definitions read-only,
and every version's files to download."""
from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_login import current_user

from engine import hooks, loader, model_diff, model_drafts, model_versions, queries
from engine.errors import NotFound
from engine.forms import text
from engine.models import ModelVersion
from web.api.present import person_names
from web.auth import current_actor
from web.i18n import current_language, translate
from web.views.labels import N_

bp = Blueprint("modeler", __name__, url_prefix="/modeler")
OWNERS = ("process_owner", "admin")

# The engine's deploy problems (web/api answers them in English) in the page's words. Python
# patterns; the page's script turns `(?P<` into JavaScript's `(?<`.
PROBLEMS = (
    (r"^user task is in no lane \(put it in a role's lane, or give the process a default_role\); "
     r"roles: (?P<roles>.*)$",
     N_("用户任务不在任何泳道中：请把它拖进某个角色的泳道，或为流程设置默认角色（default_role）。可用的角色：{roles}")),
    (r"^lane '(?P<lane>.*)' is not a known role; use one of: (?P<roles>.*)$",
     N_("泳道“{lane}”不是已知的角色。可用的角色：{roles}")),
    (r"^default role '(?P<role>.*)' is not a known role; use one of: (?P<roles>.*)$",
     N_("流程的默认角色“{role}”不是已知的角色。可用的角色：{roles}")),
    (r"^write a change note: what changed and why$", N_("请填写变更说明：改了什么、为什么改。")),
    (r"^process id '(?P<process>.*)' already belongs to '(?P<name>.*)' \(file (?P<file>.*)\); .*$",
     N_("流程编号“{process}”已属于流程“{name}”（文件 {file}）：请换一个流程编号，或确认替换那个流程。")),
    (r"^start form '(?P<form>.*)' was not provided$", N_("开始表单“{form}”不存在。")),
    (r"^form '(?P<form>[^']*)' was not provided$", N_("表单“{form}”不存在：此流程的表单中没有这个名称。")),
    (r"^unknown service operator '(?P<operator>.*)'$", N_("服务任务的操作“{operator}”不存在。")),
    (r"^called process '(?P<process>.*)' is not deployed$", N_("调用的流程“{process}”尚未部署。")),
    (r"^decision '(?P<decision>.*)' was not provided$", N_("决策表“{decision}”不存在。")),
    (r"^flow out of gateway '(?P<gateway>.*)' has no condition and is not the gateway's default$",
     N_("从网关“{gateway}”出来的这条连线既没有条件，也不是默认连线。")),
    (r"^not well-formed XML: (?P<detail>.*)$", N_("XML 格式错误：{detail}")),
    (r"^syntax error: (?P<detail>.*) in `(?P<expression>.*)`$", N_("表达式有语法错误：{expression}")),
    (r"^call to '(?P<name>.*)' is not allowed in `(?P<expression>.*)`$",
     N_("表达式中不能调用“{name}”：{expression}")),
    (r"^(?P<detail>.*) is not allowed.* in `(?P<expression>.*)`$", N_("表达式中有不允许的写法：{expression}")),
    (r"^the uploaded BPMN defines no process$", N_("上传的 BPMN 中没有流程。")),
)
SCRIPT_WORDS = (
    N_("流程图"), N_("属性"), N_("编号"), N_("名称"), N_("类型"), N_("泳道"), N_("不在任何泳道中"),
    N_("泳道不是已知的角色"), N_("表单"), N_("处理人表达式"), N_("期限表达式"), N_("可发起的角色"), N_("条件"),
    N_("默认连线"), N_("定时器"), N_("定时方式"), N_("时长"), N_("日期时间"), N_("循环"), N_("表达式"),
    N_("决策表编号"), N_("服务操作"), N_("结果变量"), N_("参数"), N_("脚本"), N_("其他属性"),
    N_("未选中元素时显示流程本身的属性。"), N_("此版本没有名为“{form}”的表单，部署时会被拒绝。"), N_("正在部署…"),
    N_("已部署为版本 {version}。"), N_("内容没有变化，仍是版本 {version}。"), N_("部署被拒绝，请修改以下问题："),
    N_("部署失败："), N_("加载失败："), N_("此流程图没有图形布局信息，不能在编辑器中打开；请下载文件编辑后再部署。"),
    N_("有未部署的修改。"), N_("没有修改。"), N_("离开此页会丢失未部署的修改。"), N_("用户任务"), N_("人工任务"),
    N_("任务"), N_("开始事件"), N_("结束事件"), N_("中间事件"), N_("边界事件"), N_("排他网关"), N_("并行网关"),
    N_("包容网关"), N_("事件网关"), N_("顺序流"), N_("服务任务"), N_("脚本任务"), N_("业务规则任务"), N_("调用活动"),
    N_("子流程"), N_("泳道（角色）"), N_("流程"), N_("参与者"), N_("决策"),
    N_('写成表达式：文字要加引号，例如 "PT2S" 或 working_days(1, received_at)。'), N_("例如 assigned_engineer"),
    N_("例如 working_days(1, received_at)"), N_("逗号分隔的角色编号"), N_("例如 approved == True"),
    N_("点击定位到图中的元素"),
)

REVIEW_WORDS = (
    N_("JSON 格式错误："),
    N_("新表单的名称（英文字母、数字、下划线）"),
    N_("草稿已保存。"),
    N_("保存草稿失败："),
    N_("已导入 {name}，尚未部署。"),
    N_("导入失败："),
    N_("决策表的规则有修改"),
    N_("新增的元素"),
    N_("删除的元素"),
    N_("修改的元素"),
    N_("决策规则的修改"),
    N_("修改的表单："),
    N_("请检查修改，填写变更说明后确认部署。"),
    N_("确认用这张图替换那个流程？"),
    N_("相同"),
    N_("不同"),
    N_("失败"),
    N_("正在用历史案件试运行…"),
    N_("试运行失败："),
    N_("{n} 个已结束的案件：{same} 个相同，{diverged} 个不同，{failed} 个失败。"),
    N_("是"),
    N_("否"),
    N_("无法判断："),
    N_("没有规则匹配。"),
    N_("命中规则："),
    N_("正在检查修改…"),
)


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    def may_edit_models() -> bool:
        return getattr(current_user, "is_authenticated", False) and current_actor().has_role(*OWNERS)
    return {"may_edit_models": may_edit_models}


@bp.before_request
def _owners_only():
    if not current_actor().has_role(*OWNERS):
        abort(403, description="this needs one of the roles: " + ", ".join(OWNERS))


def _version(process_id: str, version: int) -> ModelVersion:
    model = queries.model_version(process_id, version)
    if model is None:
        raise NotFound(f"no version {version} of '{process_id}'", process_id=process_id)
    return model


def _process_forms(model: ModelVersion) -> dict[str, dict[str, dict[str, Any]]]:
    """process id -> form name -> definition (a version also holds the forms of processes it calls)."""
    grouped: dict[str, dict[str, dict[str, Any]]] = {}
    for key, definition in sorted((model.forms or {}).items()):
        process, _, form = key.partition("/")
        grouped.setdefault(process, {})[form] = definition
    return grouped


# ---------------------------------------------------------------- pages
@bp.get("/")
def index():
    open_cases = queries.open_cases_by_version()
    rows = []
    for model in loader.latest_all():
        pinned = {version: n for (pid, version), n in open_cases.items() if pid == model.process_id}
        rows.append({"model": model, "open": sum(pinned.values()),
                     "open_older": sum(n for version, n in pinned.items() if version != model.version)})
    return render_template("modeler/index.html", rows=rows)


@bp.get("/<process_id>")
def versions(process_id: str):
    latest = loader.latest_or_404(process_id)
    open_cases = queries.open_cases_by_version(process_id)
    counts = model_versions.case_counts(process_id)
    every = loader.versions(process_id)
    names = person_names({m.deployed_by for m in every}, current_language())
    items = [{"model": m, "open": open_cases.get((process_id, m.version), 0),
              "total": counts.get(m.version, {}).get("total", 0), "by": names.get(m.deployed_by, m.deployed_by),
              "forms": sum(1 for key in (m.forms or {}) if key.startswith(process_id + "/"))}
             for m in reversed(every)]
    return render_template("modeler/versions.html", latest=latest, items=items,
                           open_total=sum(open_cases.values()))


@bp.get("/<process_id>/edit")
def edit(process_id: str):
    model = loader.latest_or_404(process_id)
    draft = model_drafts.find(process_id, current_actor().username)
    opened = draft is not None and request.args.get("draft") == "1"
    editable = {model.main_file, *(name for name in model.sources if name.endswith(".dmn"))}
    config = {
        "processId": process_id, "version": model.version, "mainFile": model.main_file,
        "sources": {name: url_for("modeler.file", process_id=process_id, version=model.version, filename=name)
                    for name in sorted(model.sources)},
        "dmnFiles": sorted(name for name in model.sources if name.endswith(".dmn")),
        "deployUrl": url_for("api.deploy_models"), "versionsUrl": url_for("modeler.versions", process_id=process_id),
        "diffUrl": url_for("api.diff_draft", process_id=process_id),
        "dryRunUrl": url_for("api.dry_run_draft", process_id=process_id),
        "decisionTestUrl": url_for("api.test_decision", process_id=process_id),
        "draftUrl": url_for("api.save_model_draft", process_id=process_id),
        "formPreviewUrl": url_for("api.preview_form", process_id=process_id),
        "formDefinitions": {**_process_forms(model).get(process_id, {}),
                            **(_draft_forms(draft, process_id) if opened else {})},
        "draftSources": {name: text for name, text in draft.files.items() if name in editable} if opened else {},
        "forms": sorted(_process_forms(model).get(process_id, {})), "roles": _lane_roles(),
        "problems": [[pattern, translate(message)] for pattern, message in PROBLEMS],
        "labels": {word: translate(word) for word in (*SCRIPT_WORDS, *REVIEW_WORDS)}, "lang": current_language(),
    }
    return render_template("modeler/edit.html", model=model, config=config, draft=draft, draft_opened=opened)


def _draft_forms(draft, process_id: str) -> dict[str, Any]:
    try:
        forms = json.loads(draft.files.get(f"{process_id}.forms.json") or "{}")
    except json.JSONDecodeError:
        return {}
    return forms if isinstance(forms, dict) else {}


def _lane_roles() -> dict[str, str]:
    """Lane name a diagram may use (role id or Chinese name) -> the role's name in the page's language."""
    english = current_language() == "en"
    names: dict[str, str] = {}
    for role in hooks.get().roles.values():
        label = role.name_en if english else role.name_zh
        names[role.id] = names[role.name_zh] = label
    return names


@bp.get("/<process_id>/diff")
def diff(process_id: str):
    """Two versions compared on the newer one's diagram (?from=N&to=M, by default the latest and the one before)."""
    latest = loader.latest_or_404(process_id)
    to = request.args.get("to", type=int) or latest.version
    start = request.args.get("from", type=int) or max(to - 1, 1)
    older, newer = _version(process_id, start), _version(process_id, to)
    changes = model_diff.diff(model_diff.of_version(older), model_diff.of_version(newer))
    marks = {"added": [e["id"] for e in changes["added"]], "changed": [e["id"] for e in changes["changed"]]}
    return render_template("modeler/diff.html", model=newer, diff=changes, marks=marks)


@bp.get("/<process_id>/versions/<int:version>/forms")
def forms(process_id: str, version: int):
    model = _version(process_id, version)
    lang = current_language()
    groups = [{"process": process, "forms": [
        {"name": name, "title": text(definition.get("title"), lang) or name,
         "json": json.dumps(definition, ensure_ascii=False, indent=2)} for name, definition in entries.items()]}
        for process, entries in _process_forms(model).items()]
    groups.sort(key=lambda group: group["process"] != process_id)  # this process's own forms first
    return render_template("modeler/forms.html", model=model, groups=groups)


@bp.get("/<process_id>/versions/<int:version>/files/<filename>")
def file(process_id: str, version: int, filename: str):
    """A source file (BPMN/DMN) or `<process>.forms.json` (the forms, as deploy reads them)."""
    model = _version(process_id, version)
    if filename in (model.sources or {}):
        return _download(model.sources[filename].encode("utf-8"), filename, "application/xml")
    process = filename.removesuffix(".forms.json")
    grouped = _process_forms(model)
    if filename.endswith(".forms.json") and process in grouped:
        body = json.dumps(grouped[process], ensure_ascii=False, indent=2).encode("utf-8")
        return _download(body, filename, "application/json")
    raise NotFound(f"version {version} of '{process_id}' has no file '{filename}'", process_id=process_id)


@bp.get("/<process_id>/versions/<int:version>/bundle.zip")
def bundle(process_id: str, version: int):
    """Every file of a version laid out as `aftercare deploy` reads a folder: the diagrams, with
    `forms/<process>/<form>.json` beside them."""
    model = _version(process_id, version)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, source in sorted((model.sources or {}).items()):
            archive.writestr(name, source)
        for process, entries in _process_forms(model).items():
            for name, definition in entries.items():
                archive.writestr(f"forms/{process}/{name}.json", json.dumps(definition, ensure_ascii=False, indent=2))
    return _download(buffer.getvalue(), f"{process_id}-v{version}.zip", "application/zip")


def _download(body: bytes, filename: str, mimetype: str):
    # a deployed version never changes: the browser may keep it
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=3600)
