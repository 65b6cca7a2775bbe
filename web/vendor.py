"""Front-end packages installed from the npm registry (package.json + lockfile) and served from
node_modules by an allow-list of folders; nothing is ever loaded from a CDN."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory

from web.config import ROOT

bp = Blueprint("vendor", __name__, url_prefix="/vendor")
NODE_MODULES = ROOT / "node_modules"
ALLOWED = {
    "bpmn-js": "bpmn-js/dist",
    "dmn-js": "dmn-js/dist",
    "echarts": "echarts/dist",
    "signature_pad": "signature_pad/dist",
}


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str):
    folder = ALLOWED.get(package)
    if folder is None or not (NODE_MODULES / folder).is_dir():
        abort(404, description=f"front-end package '{package}' is not installed (run `npm ci`)")
    response = send_from_directory(Path(NODE_MODULES / folder), filename, max_age=86400)
    return response
