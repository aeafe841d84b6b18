"""Organizer page for an event's messages (manage blueprint): the messages sent, with
delivered / pending / failed counts, and a new one: count and preview for a real
recipient, a test to oneself, then sending."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from eventhub import audit, i18n, mail, timeutil
from eventhub.errors import RuleViolation
from eventhub.events.manage_blueprint import bp, load_event
from eventhub.extensions import db
from eventhub.formtools import attach_error
from eventhub.messages import (
    mails,  # noqa: F401  (the outbox kind's renderer and check)
    services,
)
from eventhub.messages.forms import ATTENDANCE_LABELS, STATUS_LABELS, MessageForm
from eventhub.messages.models import KIND


@bp.route("/veranstaltungen/<int:event_id>/nachrichten", methods=["GET", "POST"])
def messages_page(event_id: int):
    event = load_event(event_id)
    form = MessageForm()
    preview = None
    if form.validate_on_submit():
        action = request.form.get("action", "preview")
        try:
            result = _act(event, form, action)
        except RuleViolation as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            if action in ("send", "test"):
                return result
            preview = result
    return render_template(
        "messages/page.html", event=event, form=form, preview=preview,
        sent=services.sent(event), status_labels=STATUS_LABELS,
        attendance_labels=ATTENDANCE_LABELS), 422 if form.errors or form.form_errors else 200


def _act(event, form: MessageForm, action: str):
    draft, now = form.draft(), timeutil.utcnow()
    if action == "send":
        message = services.send(event, draft, current_user, now)
        audit.record(current_user, "message.send", now, event=event,
                     target=("participant_message", message.id),
                     details={"recipients": message.recipient_count})
        db.session.commit()
        flash(ngettext("The message is on its way to %(num)d person.",
                       "The message is on its way to %(num)d people.",
                       message.recipient_count), "success")
        return redirect(url_for("manage.messages_page", event_id=event.id))
    if action == "test":
        services.send_test(event, draft, current_user, i18n.current_language(), now)
        db.session.commit()
        flash(_("A test is on its way to %(email)s.", email=current_user.email), "success")
        return redirect(url_for("manage.messages_page", event_id=event.id))
    services.check(event, draft, now)
    first = services.first_recipient(event, draft.selection)
    rendered = None
    if first is not None:
        rendered = mail.render(KIND, services.context(draft, event, first, preview=True),
                               first.language)
    return {"count": services.count(event, draft.selection), "recipient": first,
            "rendered": rendered}
