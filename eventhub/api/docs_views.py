"""The OpenAPI document and a documentation page rendered from it by the app itself: no
script, no style from elsewhere (the Content Security Policy is ``default-src 'self'``)."""
from __future__ import annotations

from flask import current_app, render_template

from eventhub.api.blueprint import bp
from eventhub.api.spec import document

METHODS = ("get", "post", "put", "patch", "delete")


def _operations(spec: dict) -> list[tuple[str, list[dict]]]:
    """The operations grouped by their first tag: the public ones first."""
    groups: dict[str, list[dict]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append({
                "method": method.upper(), "path": path, "id": operation["operationId"],
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": [{**p, "type": type_text(p.get("schema", {}))}
                               for p in operation.get("parameters", [])],
                "body": _schema_name(operation.get("requestBody")),
                "responses": sorted(operation.get("responses", {}).items()),
                "secured": bool(operation.get("security"))})
    return sorted(groups.items(), key=lambda group: (group[0] != "public", group[0]))


def type_text(schema: dict) -> str:
    """A parameter's type as a person reads it: ``integer (1–10000)``, ``"de" | "en"``."""
    if "anyOf" in schema:
        return " | ".join(type_text(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(f'"{value}"' for value in schema["enum"])
    if "const" in schema:
        return f'"{schema["const"]}"'
    text = schema.get("format") or schema.get("type") or "any"
    if "minimum" in schema or "maximum" in schema:
        text += f" ({schema.get('minimum', '')}–{schema.get('maximum', '')})"
    return text


def _schema_name(body: dict | None) -> str | None:
    if not body:
        return None
    for media in body.get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        return ref.rsplit("/", 1)[-1] or None
    return None


@bp.get("/openapi.json")
def openapi():
    return current_app.json.response(document())


@bp.get("/docs")
def docs():
    spec = document()
    return render_template("api/docs.html", spec=spec, groups=_operations(spec),
                           schemas=spec.get("components", {}).get("schemas", {}))
