"""The personal page's "download my data": a JSON file behind the personal link."""
from __future__ import annotations

import json

from flask import Blueprint, Response, render_template

from eventhub import timeutil
from eventhub.privacy import services
from eventhub.registration import tokens

bp = Blueprint("privacy", __name__)


@bp.get("/anmeldung/<token>/meine-daten.json")
def export(token: str):
    try:
        registration = tokens.load(token, tokens.MANAGE)
    except tokens.InvalidToken as exc:
        return render_template("registration/invalid_link.html", reason=exc.reason), 400
    data = services.export(registration, timeutil.utcnow())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition":
            f'attachment; filename="meine-daten-{registration.event.slug}.json"',
        "Cache-Control": "no-store", "X-Robots-Tag": "noindex"})
