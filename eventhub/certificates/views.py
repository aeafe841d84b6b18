"""Public certificate pages: the PDF behind a participant's personal link, and the check of
a verification code. The personal page links the PDF through ``certificate_url``."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for

from eventhub import i18n, timeutil
from eventhub.certificates import services
from eventhub.extensions import db, limiter
from eventhub.registration import tokens
from eventhub.registration.models import Registration

bp = Blueprint("certificates", __name__)


@bp.app_context_processor
def _certificate_link() -> dict:
    def certificate_url(registration: Registration, token: str) -> str | None:
        if not services.eligible(registration):
            return None
        return url_for("certificates.download", token=token)
    return {"certificate_url": certificate_url}


@bp.get("/anmeldung/<token>/bescheinigung.pdf")
def download(token: str):
    try:
        registration = tokens.load(token, tokens.MANAGE)
    except tokens.InvalidToken as exc:
        return render_template("registration/invalid_link.html", reason=exc.reason), 400
    i18n.follow_language(registration.language)
    if not services.eligible(registration):
        return render_template("certificates/unavailable.html",
                               event=registration.event), 404
    data = services.document(registration, timeutil.utcnow())
    db.session.commit()  # the code drawn for a first download
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{services.filename(registration)}"',
        "Cache-Control": "no-store"})


@bp.get("/bescheinigung/pruefen")
@limiter.limit("30 per minute")
def verify():
    code = request.args.get("code", "")[:40]
    result = services.verify(code) if code else None
    return render_template("certificates/verify.html", code=services.normalized(code),
                           checked=bool(code), result=result), 200
