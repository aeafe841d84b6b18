"""Organizer pages for an event's registrations and custom questions (manage blueprint).

Every route starts with ``load_event`` (404 for events the user may not manage) and looks
registrations and questions up within that event, so another event's ids are not found.
"""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from eventhub import audit, formtools, i18n, timeutil
from eventhub.errors import RuleViolation
from eventhub.events.forms import ConfirmForm
from eventhub.events.manage_blueprint import bp, load_event
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.registration import exports, forms, queries, questions, services
from eventhub.registration.manage_forms import (
    KIND_LABELS,
    STATUS_LABELS,
    AddParticipantForm,
    QuestionForm,
    RegistrationFilterForm,
)
from eventhub.registration.models import (
    OrganizationSize,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
)

PREFIX = "/veranstaltungen/<int:event_id>/anmeldungen"
FILTERS = ("q", "status")
CLOSED_MESSAGES = {
    "not_found": _l("Participants can be added once the event is published."),
    "cancelled": _l("The event has been cancelled; nobody can be added."),
    "past": _l("The event is over; nobody can be added."),
    "not_yet": _l("Registration has not opened yet; participants can be added once it is "
                  "open."),
    "closed": _l("Registration has closed; nobody can be added any more."),
}
# The e-mails an organizer may find undelivered, by outbox kind (``templates/emails``).
MAIL_KIND_LABELS = {
    "registration_pending": _l("Please confirm your registration"),
    "registration_confirmed": _l("Registration confirmed"),
    "registration_waitlisted": _l("On the waiting list"),
    "registration_moved_up": _l("A place has become free"),
    "registration_existing": _l("Already registered"),
    "registration_cancelled": _l("Registration cancelled"),
    "event_updated": _l("Event changed"),
    "event_cancelled": _l("Event cancelled"),
    "reminder": _l("Reminder"),
}
CONFIRM_MESSAGES = {
    "confirmed": ("success", _l("The registration is confirmed.")),
    "already": ("info", _l("The registration was confirmed already.")),
    "waitlisted": ("info", _l("The registration stays on the waiting list.")),
    "expired": ("error", _l("The time to confirm had run out; the place has been released.")),
    "inactive": ("error", _l("This registration is no longer active.")),
}


# --- the list ------------------------------------------------------------------------

def _filter_from(values) -> queries.RegistrationFilter:
    status = values.get("status") or ""
    valid = {s.value for s in RegistrationStatus}
    return queries.RegistrationFilter(
        search=(values.get("q") or "")[:200],
        status=RegistrationStatus(status) if status in valid else None)


def _list_args(values, keys=(*FILTERS, "page")) -> dict[str, str]:
    """The list's filter and page from a query string or an action form's hidden fields."""
    return {key: values[key] for key in keys if values.get(key)}


def _back_to_list(event: Event):
    return redirect(url_for("manage.registrations_page", event_id=event.id,
                            **_list_args(request.form)))


@bp.get(PREFIX)
def registrations_page(event_id: int):
    event = load_event(event_id)
    filters = _filter_from(request.args)
    pagination = queries.page(event, filters, formtools.page_number(request.args))
    positions = queries.waitlist_positions(event, [r.id for r in pagination.items])
    return render_template(
        "registrations_manage/list.html", event=event, filters=filters,
        form=RegistrationFilterForm(formdata=request.args), pagination=pagination,
        counts=queries.counts(event), positions=positions, status_labels=STATUS_LABELS,
        list_args=_list_args(request.args), filter_args=_list_args(request.args, FILTERS),
        confirm=ConfirmForm(), answers_of=exports.answers_of, size_labels=forms.SIZE_LABELS,
        failed_mail=queries.failed_mail(event), mail_kinds=MAIL_KIND_LABELS)


# --- actions on one registration -------------------------------------------------------

def _load_registration(event: Event, registration_id: int) -> Registration:
    registration = queries.get_registration(event, registration_id)
    if registration is None:
        abort(404)
    return registration


def _act(event_id: int, registration_id: int, action, audited: str):
    """Run ``action(event, registration, now) -> (category, message)``, note it in the
    audit trail as ``audited`` (by the registration's id only); commit once."""
    event = load_event(event_id)
    registration = _load_registration(event, registration_id)
    if ConfirmForm().validate_on_submit():
        now = timeutil.utcnow()
        try:
            category, message = action(event, registration, now)
        except RuleViolation as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            if category != "error":
                audit.record(current_user, audited, now, event=event,
                             target=("registration", registration.id),
                             details={"status": registration.status})
            db.session.commit()
            flash(str(message), category)
    return _back_to_list(event)


def _confirm(event: Event, registration: Registration, now):
    return CONFIRM_MESSAGES[services.confirm(registration, now)]


def _cancel(event: Event, registration: Registration, now):
    if not services.cancel(registration, now, by_organizer=True):
        return "error", _("This registration is no longer active.")
    if registration.is_walk_in:
        return "success", _("The registration is cancelled. Walk-ins get no e-mails, so the "
                            "person has not been told.")
    return "success", _("The registration is cancelled; the person has been told by e-mail.")


def _move_up(event: Event, registration: Registration, now):
    services.move_up_by_hand(registration, now)
    if registration.status is RegistrationStatus.PENDING:
        return "success", _("Moved up from the waiting list; the place is held until the "
                            "person confirms their e-mail address.")
    return "success", _("Moved up from the waiting list and confirmed.")


@bp.post(PREFIX + "/<int:registration_id>/bestaetigen")
def confirm_registration(event_id: int, registration_id: int):
    return _act(event_id, registration_id, _confirm, "registration.confirm")


@bp.route(PREFIX + "/<int:registration_id>/absagen", methods=["GET", "POST"])
def cancel_registration(event_id: int, registration_id: int):
    """GET asks first: cancelling sends an e-mail and gives the place away for good."""
    if request.method == "POST":
        return _act(event_id, registration_id, _cancel, "registration.cancel")
    event = load_event(event_id)
    return render_template("registrations_manage/cancel.html", event=event,
                           registration=_load_registration(event, registration_id),
                           list_args=_list_args(request.args), form=ConfirmForm(),
                           status_labels=STATUS_LABELS)


@bp.post(PREFIX + "/<int:registration_id>/nachruecken")
def move_up_registration(event_id: int, registration_id: int):
    return _act(event_id, registration_id, _move_up, "registration.move_up")


# --- adding a participant by hand --------------------------------------------------------

def _add_form(event: Event) -> AddParticipantForm:
    # The event's custom questions, as on the public form (services check the answers).
    fields = {f"q_{q.id}": forms.question_field(q) for q in event.questions}
    form = type("AddParticipantEventForm", (AddParticipantForm,), fields)()
    form.organization_size.choices = [("", _("Please choose")), *forms.size_choices()]
    form.region_code.choices = formtools.region_choices(blank=_("Please choose"))
    return form


def _applicant(event: Event, form: AddParticipantForm) -> services.Applicant:
    return services.Applicant(
        email=form.email.data, first_name=form.first_name.data,
        last_name=form.last_name.data, organization_name=form.organization_name.data or "",
        organization_size=OrganizationSize(form.organization_size.data),
        job_role=form.job_role.data or "", region_code=form.region_code.data,
        language=form.language.data,
        answers={q.id: form[f"q_{q.id}"].data for q in event.questions})


def _add(event: Event, form: AddParticipantForm) -> Registration:
    try:
        outcome = services.register(event.id, _applicant(event, form), timeutil.utcnow(),
                                    source="organizer")
    except services.RegistrationClosed as exc:
        raise RuleViolation(CLOSED_MESSAGES[exc.reason]) from None
    if not outcome.created:  # rolled back, so the person gets no "registered again" mail
        raise RuleViolation(_l("This e-mail address is registered for this event already."),
                            "email")
    audit.record(current_user, "registration.add", event=event,
                 target=("registration", outcome.registration.id),
                 details={"status": outcome.registration.status})
    return outcome.registration


@bp.route(PREFIX + "/neu", methods=["GET", "POST"])
def add_registration(event_id: int):
    event = load_event(event_id)
    form = _add_form(event)
    registration = formtools.submit(form, lambda: _add(event, form))
    if registration is not formtools.NOT_SAVED:
        flash(_("%(name)s has been added: %(status)s.", name=registration.full_name,
                status=STATUS_LABELS[registration.status]), "success")
        return redirect(url_for("manage.registrations_page", event_id=event.id))
    return render_template("registrations_manage/add.html", event=event, form=form,
                           question_fields=[form[f"q_{q.id}"] for q in event.questions]), \
        422 if form.errors else 200


# --- exports -----------------------------------------------------------------------------

@bp.get(PREFIX + "/export.<any(csv, xlsx):file_format>")
def export_registrations(event_id: int, file_format: str):
    event = load_event(event_id)
    now = timeutil.utcnow()
    # Who downloaded which list, when: written before the file, which holds personal data.
    audit.record(current_user, "export.registrations", now, event=event,
                 details={"format": file_format, "filters": _list_args(request.args, FILTERS)})
    db.session.commit()
    event_questions = list(event.questions)
    language = i18n.current_language()
    rows = (exports.row(r, event_questions, event.timezone, language)
            for r in queries.for_export(event, _filter_from(request.args)))
    head = exports.header(event_questions)
    if file_format == "csv":
        data, content_type = exports.to_csv(head, rows), exports.CSV_TYPE
    else:
        data, content_type = exports.to_xlsx(head, rows, _("Registrations"), language), \
            exports.XLSX_TYPE
    name = exports.filename(event, now, file_format)
    return Response(data, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})


# --- custom questions --------------------------------------------------------------------

def _question_form(question: Question | None = None) -> QuestionForm:
    form = QuestionForm(obj=question) if question else QuestionForm()
    if question is not None and request.method == "GET":
        form.kind.data = question.kind.value
        form.options.data = "\n".join(question.options)
    return form


def _question_data(form: QuestionForm) -> questions.QuestionData:
    return questions.QuestionData(
        label=form.label.data, kind=QuestionKind(form.kind.data),
        help_text=form.help_text.data or "", required=bool(form.required.data),
        options=questions.parse_options(form.options.data))


def _load_question(event: Event, question_id: int) -> Question:
    question = questions.get_question(event, question_id)
    if question is None:
        abort(404)
    return question


def _saved(result) -> bool:
    return result is not formtools.NOT_SAVED


@bp.route(PREFIX + "/fragen", methods=["GET", "POST"])
def questions_page(event_id: int):
    event = load_event(event_id)
    form = _question_form()
    if _saved(formtools.submit(form, lambda: questions.add_question(
            current_user, event, _question_data(form)))):
        flash(_("The question has been added."), "success")
        return redirect(url_for("manage.questions_page", event_id=event.id))
    return render_template("registrations_manage/questions.html", event=event, form=form,
                           answer_counts=questions.answer_counts(event), kind_labels=KIND_LABELS,
                           confirm=ConfirmForm()), 422 if form.errors else 200


@bp.route(PREFIX + "/fragen/<int:question_id>", methods=["GET", "POST"])
def edit_question(event_id: int, question_id: int):
    event = load_event(event_id)
    question = _load_question(event, question_id)
    answers = questions.answer_count(question)
    form = _question_form(question)
    if _saved(formtools.submit(form, lambda: questions.update_question(
            current_user, event, question, _question_data(form)))):
        flash(_("The question has been saved."), "success")
        if answers:
            flash(ngettext("%(num)d answer given before the change is kept as it was.",
                           "%(num)d answers given before the change are kept as they were.",
                           answers), "info")
        return redirect(url_for("manage.questions_page", event_id=event.id))
    return render_template("registrations_manage/question.html", event=event, form=form,
                           question=question, answers=answers, confirm=ConfirmForm()), \
        422 if form.errors else 200


@bp.post(PREFIX + "/fragen/<int:question_id>/loeschen")
def delete_question(event_id: int, question_id: int):
    event = load_event(event_id)
    question = _load_question(event, question_id)
    removed = formtools.submit(ConfirmForm(), lambda: questions.delete_question(
        current_user, event, question))
    if _saved(removed):
        flash(ngettext("The question has been deleted, with %(num)d answer.",
                       "The question has been deleted, with %(num)d answers.", removed)
              if removed else _("The question has been deleted."), "success")
    return redirect(url_for("manage.questions_page", event_id=event.id))


@bp.post(PREFIX + "/fragen/<int:question_id>/verschieben")
def move_question(event_id: int, question_id: int):
    event = load_event(event_id)
    question = _load_question(event, question_id)
    direction = -1 if request.form.get("direction") == "up" else 1
    if _saved(formtools.submit(ConfirmForm(), lambda: questions.move_question(
            current_user, event, question, direction))):
        flash(_("The questions have been reordered."), "success")
    return redirect(url_for("manage.questions_page", event_id=event.id,
                            _anchor=f"question-{question.id}"))
