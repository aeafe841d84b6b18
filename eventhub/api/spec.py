"""The OpenAPI document: one SpecTree instance that the API's views are decorated with.

SpecTree (pydantic) validates the query and the JSON body of each operation and writes the
document from the same models: JSON Schema draft 2020-12, which is what OpenAPI 3.1 uses.
Its own documentation pages load Swagger UI or ReDoc from a CDN, which our Content
Security Policy forbids; so none are registered (``page_templates={}``) and the document
is served by ``docs_views`` together with a page rendered from it by the app itself.
"""
from __future__ import annotations

from flask import Flask
from spectree import SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData

from eventhub.api import problems
from eventhub.inputguard import MAX_ID

TOKEN_SCHEME = "token"
TOKEN = {TOKEN_SCHEME: []}  # an operation's `security`: a personal API token is needed

api_spec = SpecTree(
    "flask",
    mode="strict",  # only the operations decorated here, not the HTML pages
    title="eventhub API",
    version="1.0.0",
    description=(
        "Events of the regional centres, and, with a personal API token, what an "
        "organizer does with them: registrations, attendance, reports, events. Times are "
        "ISO 8601 with the offset of the event's time zone (named in `timezone`). Errors "
        "are `application/problem+json` (RFC 9457), in English."),
    # SpecTree leaves out the routes under its own path; ours are served by docs_views.
    path="_spectree",
    page_templates={},
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda parent, child: child,
    security_schemes=[SecurityScheme(name=TOKEN_SCHEME, data=SecuritySchemeData(
        type=SecureType.HTTP, scheme="bearer",
        description="A personal API token (Account → API tokens): "
                    "`Authorization: Bearer eh_…`"))],
    validation_error_status=422,
    before=problems.validation_hook,
)


def init_app(app: Flask) -> None:
    """Point the spec at the app's routes (no routes of SpecTree's own are added)."""
    api_spec.app = app


# Answers every operation may give besides its own, and when.
_COMMON = {"429": "Too many requests: see Retry-After"}
_SECURED = {"401": "No token, or one that is unknown, revoked or expired",
            "403": "The token's owner may not do this, or the token is read-only"}
_completed: set[int] = set()  # the documents completed (SpecTree builds one, once)
_WITH_BODY = {"400": "The body is not valid JSON", "415": "The body is not JSON"}


def document() -> dict:
    """SpecTree's document, completed: every error answer is a problem document
    (``application/problem+json``), and the answers that the blueprint's checks give to
    any operation (rate limit, token, body) are listed with each."""
    spec = api_spec.spec
    if id(spec) not in _completed:
        problem = {"$ref": "#/components/schemas/Problem"}
        for item in spec["paths"].values():
            for operation in item.values():
                _complete(operation, problem)
        _completed.add(id(spec))
    return spec


def _complete(operation: dict, problem: dict) -> None:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
            # Flask's int converter takes no sign; ids are 32-bit (inputguard).
            parameter["schema"].update(minimum=1, maximum=MAX_ID)
    responses = operation["responses"]
    extra = dict(_COMMON)
    if operation.get("security"):
        extra.update(_SECURED)
    if operation.get("requestBody"):
        extra.update(_WITH_BODY)
    for code, description in extra.items():
        responses.setdefault(code, {"description": description})
    for code, response in responses.items():
        if int(code) >= 400:
            response["content"] = {problems.PROBLEM_TYPE: {"schema": problem}}
