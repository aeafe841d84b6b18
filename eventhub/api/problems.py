"""Errors as ``application/problem+json`` (RFC 9457), with field errors where input was
refused. Titles and details are English for every client (README, "API")."""
from __future__ import annotations

import json
from http import HTTPStatus

from flask import Response, current_app
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "application/problem+json"


class ApiProblem(HTTPException):
    """Raised by the API's views; answered as a problem document."""

    def __init__(self, status: int, detail: str | None = None,
                 errors: list[dict] | None = None) -> None:
        super().__init__(description=detail)
        self.code = status
        self.errors = errors

    def get_response(self, environ=None, scope=None) -> Response:
        return problem(self.code, self.description, self.errors)


def problem(status: int, detail: str | None = None, errors: list[dict] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body: dict = {"type": "about:blank", "title": HTTPStatus(status).phrase,
                  "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body), status=status,
                                          mimetype=PROBLEM_TYPE)
    response.headers.update(headers or {})
    return response


def field_error(field: str | None, message: str) -> dict:
    return {"field": field or "", "message": str(message)}


def _location(loc: tuple) -> str:
    """The field's path; pydantic inserts the members of a union (``literal['a']``,
    ``str``) into it, which name no field."""
    return ".".join(str(part) for part in loc
                    if not (isinstance(part, str) and ("[" in part or part in _TYPE_TAGS)))


_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "none", "list", "dict"})


def validation_hook(req, resp, req_validation_error, instance, model_adapter=None) -> None:
    """SpecTree's hook before a view: a refused query or body becomes a problem document
    (422) naming each field. SpecTree aborts with ``resp`` after this returns."""
    if req_validation_error is None or resp is None:
        return
    errors = [field_error(_location(e.get("loc", ())), e.get("msg", "invalid"))
              for e in req_validation_error.errors(include_url=False, include_input=False)]
    resp.set_data(json.dumps({
        "type": "about:blank", "title": HTTPStatus(422).phrase, "status": 422,
        "detail": "The request has invalid fields.", "errors": errors}))
    resp.mimetype = PROBLEM_TYPE


def from_http_error(exc: HTTPException) -> Response:
    if isinstance(exc, ApiProblem):
        return exc.get_response()
    status = exc.code or 500
    headers = {}
    if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    detail = exc.description if status in (400, 413, 429) else None
    return problem(status, detail, headers=headers)
