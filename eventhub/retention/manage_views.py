"""Organizer pages (manage blueprint): the event page says when its participants' personal
data will be deleted, or was; once the event is over, organizers can erase it earlier."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventhub import audit, timeutil
from eventhub.events.forms import ConfirmForm
from eventhub.events.manage_blueprint import bp, load_event
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.retention import services


@bp.context_processor
def _retention_facts() -> dict:
    """``retention(event)`` for the event page (templates/retention/_event.html)."""
    def retention(event: Event) -> dict:
        return {"record": services.purge_record(event),
                "deletion_date": services.deletion_date(event),
                "may_erase": services.may_erase_early(event, timeutil.utcnow())}
    return {"retention": retention}


@bp.route("/veranstaltungen/<int:event_id>/personendaten-loeschen", methods=["GET", "POST"])
def erase_personal_data(event_id: int):
    event = load_event(event_id)
    now = timeutil.utcnow()
    if not services.may_erase_early(event, now):
        flash(_("The personal data of this event can be erased once the event is over, "
                "and only once."), "error")
        return redirect(url_for("manage.event", event_id=event.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        record = services.purge_event(event.id, now, actor=current_user)
        if record is not None:
            audit.record(current_user, "retention.erase", now, event=event,
                         target=("event", event.id),
                         details={"registrations": record.registrations})
        db.session.commit()
        if record is not None:
            flash(_("The personal data of %(count)d registrations has been erased.",
                    count=record.registrations), "success")
        return redirect(url_for("manage.event", event_id=event.id))
    return render_template("retention/erase.html", event=event, form=form,
                           deletion_date=services.deletion_date(event))
