"""Organizer pages for an event's reminders (manage blueprint): the rules with their
scheduled time and delivery counts, add/edit/delete, a preview and a test to oneself."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventhub import i18n, timeutil
from eventhub.errors import RuleViolation
from eventhub.events.forms import ConfirmForm
from eventhub.events.manage_blueprint import bp, load_event
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.reminders import mails, services
from eventhub.reminders.forms import KIND_LABELS, RuleForm, offset_text
from eventhub.reminders.models import ReminderRule

PREFIX = "/veranstaltungen/<int:event_id>/erinnerungen"


def _load_rule(event: Event, rule_id: int) -> ReminderRule:
    rule = db.session.get(ReminderRule, rule_id)
    if rule is None or rule.event_id != event.id:
        abort(404)
    return rule


def _save(form: RuleForm, action) -> bool:
    try:
        action(form.data_for_service())
    except RuleViolation as exc:
        db.session.rollback()
        form.offset_minutes.errors = [*form.offset_minutes.errors, str(exc.message)]
        return False
    db.session.commit()
    return True


@bp.route(PREFIX, methods=["GET", "POST"])
def reminders_page(event_id: int):
    event = load_event(event_id)
    form = RuleForm()
    if form.validate_on_submit() and _save(form, lambda data: services.add_rule(
            event, data, actor=current_user)):
        flash(_("The reminder has been added."), "success")
        return redirect(url_for("manage.reminders_page", event_id=event.id))
    return render_template(
        "reminders/list.html", event=event, rules=services.rules(event), form=form,
        counts=services.counts(event), errors=services.last_errors(event),
        kind_labels=KIND_LABELS, offset_text=offset_text,
        confirm=ConfirmForm()), 422 if form.errors else 200


@bp.route(PREFIX + "/<int:rule_id>", methods=["GET", "POST"])
def edit_reminder(event_id: int, rule_id: int):
    event = load_event(event_id)
    rule = _load_rule(event, rule_id)
    form = RuleForm(obj=rule)
    if form.validate_on_submit() and _save(form, lambda data: services.update_rule(
            rule, data, actor=current_user)):
        flash(_("The reminder has been saved."), "success")
        return redirect(url_for("manage.reminders_page", event_id=event.id))
    return render_template("reminders/edit.html", event=event, rule=rule, form=form,
                           kind_labels=KIND_LABELS, offset_text=offset_text,
                           confirm=ConfirmForm()), 422 if form.errors else 200


@bp.post(PREFIX + "/<int:rule_id>/loeschen")
def delete_reminder(event_id: int, rule_id: int):
    event = load_event(event_id)
    rule = _load_rule(event, rule_id)
    if ConfirmForm().validate_on_submit():
        services.delete_rule(rule, actor=current_user)
        db.session.commit()
        flash(_("The reminder has been deleted."), "success")
    return redirect(url_for("manage.reminders_page", event_id=event.id))


@bp.get(PREFIX + "/<int:rule_id>/vorschau")
def preview_reminder(event_id: int, rule_id: int):
    """The HTML e-mail as a participant would get it (links lead nowhere)."""
    event = load_event(event_id)
    rule = _load_rule(event, rule_id)
    sample = mails.sample_registration(rule, current_user.name, current_user.email,
                                       i18n.current_language())
    html = render_template(f"emails/{mails.TEMPLATE}.html", **mails.context(rule, sample))
    return html, 200, {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


@bp.post(PREFIX + "/<int:rule_id>/test")
def test_reminder(event_id: int, rule_id: int):
    event = load_event(event_id)
    rule = _load_rule(event, rule_id)
    if ConfirmForm().validate_on_submit():
        mails.queue_test(rule, current_user.email, current_user.name,
                         i18n.current_language(), timeutil.utcnow())
        db.session.commit()
        flash(_("A test reminder is on its way to %(email)s.", email=current_user.email),
              "success")
    return redirect(url_for("manage.reminders_page", event_id=event.id))
