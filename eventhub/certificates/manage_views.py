"""Organizer page of an event's certificates (manage blueprint): switch them on or off,
download all of them as one ZIP."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventhub import audit, timeutil
from eventhub.certificates import services
from eventhub.events.forms import ConfirmForm
from eventhub.events.manage_blueprint import bp, load_event
from eventhub.extensions import db

PREFIX = "/veranstaltungen/<int:event_id>/bescheinigungen"


@bp.route(PREFIX, methods=["GET", "POST"])
def certificates_page(event_id: int):
    event = load_event(event_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        on = request.form.get("switch") == "on"
        now = timeutil.utcnow()
        services.switch(event, on, current_user, now)
        audit.record(current_user, "certificates.switch", now, event=event,
                     target=("event", event.id), details={"on": on})
        db.session.commit()
        flash(_("Certificates are switched on.") if on else
              _("Certificates are switched off."), "success")
        return redirect(url_for("manage.certificates_page", event_id=event.id))
    return render_template("certificates/manage.html", event=event, form=form,
                           enabled=services.enabled(event))


@bp.get(PREFIX + ".zip")
def certificates_zip(event_id: int):
    event = load_event(event_id)
    if not services.enabled(event):
        flash(_("Switch certificates on first."), "error")
        return redirect(url_for("manage.certificates_page", event_id=event.id))
    now = timeutil.utcnow()
    data, count = services.archive(event, now)
    # Who downloaded which personal data, when (in the same commit as the codes drawn).
    audit.record(current_user, "export.certificates", now, event=event,
                 details={"certificates": count})
    db.session.commit()  # codes drawn for certificates not downloaded before
    return data, 200, {"Content-Type": "application/zip", "Cache-Control": "no-store",
                       "Content-Disposition":
                           f'attachment; filename="bescheinigungen-{event.slug}.zip"'}
