"""GET /api/v1/openapi.json and the docs page rendered from it; public, as the description is no secret."""
from __future__ import annotations

import json

from flask import Blueprint, Flask, current_app, jsonify, render_template

from portal.openapi.spec import build_spec

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")
METHODS = ("get", "post", "put", "patch", "delete")


def api_description(app: Flask) -> dict:
    """The app's OpenAPI document, built once per app (it depends on nothing but the code)."""
    if "openapi" not in app.extensions:
        app.extensions["openapi"] = build_spec(app.url_map)
    return app.extensions["openapi"]


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(api_description(current_app))


@bp.get("/docs")
def docs():
    spec = api_description(current_app)
    operations = [(path, method, operation) for path, methods in spec["paths"].items()
                  for method, operation in methods.items() if method in METHODS]
    return render_template("openapi/docs.html", spec=spec, operations=operations, pretty=_pretty)


def _pretty(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)
