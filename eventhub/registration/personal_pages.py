"""The registration behind a personal link, for the pages other features add to a
participant's own (their certificate, their data download): a broken, expired or revoked
link ends the request with the same "link not valid" page (400) as the personal page."""
from __future__ import annotations

from flask import abort, current_app, render_template

from eventhub import i18n
from eventhub.registration import tokens
from eventhub.registration.models import Registration


def registration_or_invalid_page(token: str) -> Registration:
    try:
        registration = tokens.load(token, tokens.MANAGE)
    except tokens.InvalidToken as exc:
        abort(current_app.make_response(
            (render_template("registration/invalid_link.html", reason=exc.reason), 400)))
    i18n.follow_language(registration.language)
    return registration
