"""Organizer pages: events (create, edit, publish, cancel, duplicate, delete drafts)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventhub import formtools, timeutil
from eventhub.audit import labels
from eventhub.audit import services as audit
from eventhub.errors import RuleViolation
from eventhub.events import copies, forms, queries, services
from eventhub.events.manage_blueprint import bp, load_event
from eventhub.events.models import Event, EventFormat, EventStatus
from eventhub.extensions import db
from eventhub.formtools import NOT_SAVED, submit


def _form_status(form) -> int:
    return 422 if form.errors else 200


def _organization_choices() -> list[tuple[int, str]]:
    organizations = queries.organizations()
    if not current_user.sees_all_organizations:
        organizations = [o for o in organizations if o.id == current_user.organization_id]
    return [(o.id, o.name) for o in organizations]


def _event_form(event: Event | None = None) -> forms.EventForm:
    form = forms.EventForm(obj=event) if event else forms.EventForm(
        organization_id=current_user.organization_id)
    form.organization_id.choices = _organization_choices()
    if event is not None and request.method == "GET":
        for name in ("starts", "ends", "registration_opens", "registration_closes"):
            value = getattr(event, f"{name}_at")
            getattr(form, f"{name}_local").data = (
                timeutil.local_naive(value, event.timezone) if value else None)
        form.format.data = event.format.value
    return form


def _event_data(form: forms.EventForm) -> services.EventData:
    return services.EventData(
        organization_id=form.organization_id.data, title=form.title.data,
        format=EventFormat(form.format.data), starts_local=form.starts_local.data,
        ends_local=form.ends_local.data, timezone=form.timezone.data,
        summary=form.summary.data or "", description=form.description.data or "",
        online_join_url=form.online_join_url.data, venue=form.venue.data,
        capacity=form.capacity.data,
        registration_opens_local=form.registration_opens_local.data,
        registration_closes_local=form.registration_closes_local.data,
        slug=form.slug.data or None, double_opt_in=bool(form.double_opt_in.data))


@bp.get("/")
def dashboard():
    status = request.args.get("status")
    status = EventStatus(status) if status in {s.value for s in EventStatus} else None
    pagination = queries.managed_events(current_user, status=status,
                                        page=formtools.page_number(request.args))
    return render_template("manage/dashboard.html", pagination=pagination, status=status,
                           now=timeutil.utcnow())


@bp.route("/veranstaltungen/neu", methods=["GET", "POST"])
def create_event():
    form = _event_form()
    event = submit(form, lambda: services.create_event(current_user, _event_data(form)))
    if event is not NOT_SAVED:
        flash(_("The event has been saved as a draft."), "success")
        _warn_if_past(event)
        return redirect(url_for("manage.event", event_id=event.id))
    return render_template("manage/event_form.html", form=form, event=None), _form_status(form)


@bp.get("/veranstaltungen/<int:event_id>")
def event(event_id: int):
    event = load_event(event_id)
    return render_template("manage/event.html", event=event, confirm=forms.ConfirmForm(),
                           now=timeutil.utcnow())


@bp.get("/veranstaltungen/<int:event_id>/verlauf")
def event_history(event_id: int):
    """The event's audit trail, for everyone who manages it."""
    event = load_event(event_id)
    return render_template("audit/event_history.html", event=event,
                           entries=audit.of_event(event.id), label=labels.action_label,
                           target_label=labels.target_label)


@bp.route("/veranstaltungen/<int:event_id>/bearbeiten", methods=["GET", "POST"])
def edit_event(event_id: int):
    event = load_event(event_id)
    form = _event_form(event)
    saved = submit(form, lambda: services.update_event(current_user, event, _event_data(form),
                                                       now=timeutil.utcnow()))
    if saved is not NOT_SAVED:
        flash(_("Your changes have been saved."), "success")
        _warn_if_past(event)
        return redirect(url_for("manage.event", event_id=event.id))
    return render_template("manage/event_form.html", form=form, event=event), \
        _form_status(form)


def _warn_if_past(event) -> None:
    """Saved as entered, but said clearly: a date in the past is usually a typo."""
    if event.starts_at < timeutil.utcnow():
        flash(_("Please check the date: this event starts in the past. It is listed in the "
                "archive, not among the upcoming events, and nobody can register for it."),
              "error")


def _transition(event_id: int, action, message: str):
    event = load_event(event_id)
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        try:
            result = action(event)
        except RuleViolation as exc:
            db.session.rollback()
            flash(str(exc.message), "error")  # str: lazy strings count as safe markup
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("manage.event", event_id=result.id))
    return redirect(url_for("manage.event", event_id=event.id))


@bp.post("/veranstaltungen/<int:event_id>/veroeffentlichen")
def publish_event(event_id: int):
    return _transition(event_id, lambda e: services.publish_event(current_user, e,
                                                                  timeutil.utcnow()),
                       _("The event is published."))


@bp.route("/veranstaltungen/<int:event_id>/absagen", methods=["GET", "POST"])
def cancel_event(event_id: int):
    if request.method == "GET":
        return render_template("manage/cancel.html", event=load_event(event_id),
                               form=forms.ConfirmForm())
    return _transition(event_id, lambda e: services.cancel_event(current_user, e,
                                                                 timeutil.utcnow()),
                       _("The event is cancelled."))


@bp.route("/veranstaltungen/<int:event_id>/duplizieren", methods=["GET", "POST"])
def duplicate_event(event_id: int):
    event = load_event(event_id)
    form = forms.DuplicateForm()
    if request.method == "GET":
        # The title is content: the marker is proposed in the organizer's language.
        form.title.data = copies.proposed_title(event.title, _("%(title)s (copy)"))
        form.starts_local.data = copies.proposed_start(event, timeutil.utcnow())
    copy = submit(form, lambda: copies.duplicate_event(
        current_user, event, copies.CopyData(form.title.data, form.starts_local.data),
        timeutil.utcnow()))
    if copy is not NOT_SAVED:
        flash(_("A copy has been created as a draft. Check its dates."), "success")
        return redirect(url_for("manage.event", event_id=copy.id))
    return render_template("manage/duplicate.html", event=event, form=form), \
        _form_status(form)


@bp.route("/veranstaltungen/<int:event_id>/loeschen", methods=["GET", "POST"])
def delete_event(event_id: int):
    event = load_event(event_id)
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        return render_template("manage/delete.html", event=event, form=form,
                               refused=services.deletion_refused(event))
    try:
        services.delete_draft(current_user, event)
    except RuleViolation as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("manage.event", event_id=event_id))
    db.session.commit()
    flash(_("The draft has been deleted."), "success")
    return redirect(url_for("manage.dashboard"))
