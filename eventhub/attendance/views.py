"""The personal join link: ``/j/<token>`` leads to the meeting and notes the visit.

No login, and the pages say nothing about anyone else. Cancelled registrations and
broken links get an explanation instead of the meeting's address.
"""
from __future__ import annotations

import click
from flask import Blueprint, make_response, redirect, render_template, request

from eventhub import timeutil
from eventhub.attendance import importing, services, tokens
from eventhub.extensions import db

bp = Blueprint("attendance", __name__, cli_group="attendance")

REFUSAL_STATUS = {"invalid": 400, "expired": 400, "no_link": 404}


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _refused(reason: str, event=None):
    page = render_template("attendance/join_unavailable.html", reason=reason, event=event)
    return _no_store(make_response(page, REFUSAL_STATUS.get(reason, 403)))


@bp.get("/j/<token>")
def join(token: str):
    try:
        registration = tokens.load(token)
    except tokens.InvalidToken as exc:
        return _refused(exc.reason)
    reason = services.join_refusal(registration)
    if reason:
        return _refused(reason, registration.event)
    if request.method == "GET":  # HEAD (link checkers) only looks
        if services.record_join(registration, timeutil.utcnow()):
            db.session.commit()
    return _no_store(redirect(registration.event.join_url, 302))


@bp.cli.command("purge-files")
def purge_files() -> None:
    """Delete unconfirmed previews and imported files past their retention date."""
    previews, files = importing.purge(timeutil.utcnow())
    db.session.commit()
    click.echo(f"deleted {previews} previews and {files} files past their retention date")
