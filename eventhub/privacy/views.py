"""The personal page's "download my data": a JSON file behind the personal link."""
from __future__ import annotations

import json

from flask import Blueprint, Response

from eventhub import timeutil
from eventhub.privacy import services
from eventhub.registration import personal_pages

bp = Blueprint("privacy", __name__)


@bp.get("/anmeldung/<token>/meine-daten.json")
def export(token: str):
    registration = personal_pages.registration_or_invalid_page(token)
    data = services.export(registration, timeutil.utcnow())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition":
            f'attachment; filename="meine-daten-{registration.event.slug}.json"',
        "Cache-Control": "no-store", "X-Robots-Tag": "noindex"})
