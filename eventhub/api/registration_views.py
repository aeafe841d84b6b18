"""An event's registrations with a token: the organizer list (its filters), add, confirm,
cancel, move up (``registration.services``, as on the organizer pages)."""
from __future__ import annotations

from spectree import Response

from eventhub import audit, timeutil
from eventhub.api import documents
from eventhub.api import manage_schemas as ms
from eventhub.api.blueprint import actor, bp, committed, managed_event, not_found
from eventhub.api.problems import ApiProblem
from eventhub.api.schemas import Problem
from eventhub.api.spec import TOKEN, api_spec
from eventhub.errors import RuleViolation
from eventhub.events.models import Event
from eventhub.registration import queries, services
from eventhub.registration.models import OrganizationSize, RegistrationStatus
from eventhub.registration.models import Registration as RegistrationRow

TAGS = ["registrations"]
PREFIX = "/manage/events/<int:event_id>/registrations"
# Why nobody can be added (``RegistrationClosed.reason``), in the API's words.
CLOSED = {"not_found": "The event is not published yet.",
          "cancelled": "The event has been cancelled.", "past": "The event is over.",
          "not_yet": "Registration has not opened yet.", "closed": "Registration has closed."}
ACTION = Response(HTTP_200=ms.RegistrationAction, HTTP_404=Problem, HTTP_409=Problem)


def document(row: RegistrationRow, position: int | None = None) -> ms.Registration:
    tz = row.event.timezone if row.event else "UTC"
    return ms.Registration(
        id=row.id, status=row.status.value, email=row.email, first_name=row.first_name,
        last_name=row.last_name, organization_name=row.organization_name,
        organization_size=row.organization_size.value, job_role=row.job_role,
        region=row.region_code, language=row.language, source=row.source,
        created_at=documents.local(row.created_at, tz),
        confirmed_at=documents.local(row.confirmed_at, tz),
        cancelled_at=documents.local(row.cancelled_at, tz), waitlist_position=position,
        answers={str(a.question_id): a.value for a in row.answers})


def _registration(event: Event, registration_id: int) -> RegistrationRow:
    found = queries.get_registration(event, registration_id)
    if found is None:
        raise not_found("There is no such registration for this event.")
    return found


@bp.get(PREFIX)
@api_spec.validate(query=ms.RegistrationQuery, tags=TAGS, security=TOKEN, resp=Response(
    HTTP_200=ms.RegistrationList, HTTP_404=Problem, HTTP_422=Problem))
def registrations(event_id: int, query: ms.RegistrationQuery):
    """The event's registrations with the organizer list's filters: every word of `q` in
    a name, the e-mail address or the organization; the status. The waiting list in its
    order, everything else newest first."""
    event = managed_event(actor(), event_id)
    filters = queries.RegistrationFilter(
        search=query.q, status=RegistrationStatus(query.status) if query.status else None)
    pagination = queries.page(event, filters, query.page)
    positions = queries.waitlist_positions(event, [r.id for r in pagination.items])
    counts = queries.counts(event)
    return ms.RegistrationList(
        items=[document(r, positions.get(r.id)) for r in pagination.items],
        paging=documents.paging(pagination),
        counts={status.value: n for status, n in counts.by_status.items()})


def _applicant(body: ms.RegistrationInput) -> services.Applicant:
    return services.Applicant(
        email=body.email, first_name=body.first_name, last_name=body.last_name,
        organization_size=OrganizationSize(body.organization_size), region_code=body.region,
        organization_name=body.organization_name, job_role=body.job_role,
        language=body.language,
        answers={int(key): value for key, value in body.answers.items()})


def _add(event: Event, body: ms.RegistrationInput) -> RegistrationRow:
    try:
        outcome = services.register(event.id, _applicant(body), timeutil.utcnow(),
                                    source="organizer")
    except services.RegistrationClosed as exc:
        raise RuleViolation(CLOSED[exc.reason]) from None
    if not outcome.created:  # rolled back: the person gets no "registered again" mail
        raise RuleViolation("This e-mail address is registered for this event already.",
                            "email")
    _audit("registration.add", event, outcome.registration)
    return outcome.registration


def _audit(action: str, event: Event, row: RegistrationRow, result: str | None = None) -> None:
    """The audit trail's entry, as the organizer pages write it, marked as made by token."""
    details = {"status": row.status, "via": "api"}
    if result is not None:
        details["result"] = result
    audit.record(actor(), action, event=event, target=("registration", row.id),
                 details=details)


@bp.post(PREFIX)
@api_spec.validate(json=ms.RegistrationInput, tags=TAGS, security=TOKEN, resp=Response(
    HTTP_201=ms.Registration, HTTP_404=Problem, HTTP_409=Problem, HTTP_422=Problem))
def add_registration(event_id: int, json: ms.RegistrationInput):
    """Add a participant, as organizers do by hand: also before registration opens or
    after it closed; a place while one is free, else the waiting list. `answers` are the
    event's questions by id."""
    event = managed_event(actor(write=True), event_id)
    row = committed(lambda: _add(event, json))
    return document(row), 201


def _act(event_id: int, registration_id: int, action, audited: str) -> ms.RegistrationAction:
    event = managed_event(actor(write=True), event_id)
    row = _registration(event, registration_id)

    def act():
        result = action(row, timeutil.utcnow())
        _audit(audited, event, row, result)
        return result

    result = committed(act)
    return ms.RegistrationAction(result=result, registration=document(row))


def _cancel(row: RegistrationRow, now) -> str:
    if not services.cancel(row, now, by_organizer=True):
        raise ApiProblem(409, "This registration is no longer active.")
    return "cancelled"


def _move_up(row: RegistrationRow, now) -> str:
    services.move_up_by_hand(row, now)
    return row.status.value


@bp.post(PREFIX + "/<int:registration_id>/confirm")
@api_spec.validate(tags=TAGS, security=TOKEN, resp=ACTION)
def confirm_registration(event_id: int, registration_id: int):
    """Confirm a pending registration. `result`: confirmed, already, waitlisted, expired
    (the time to confirm had run out) or inactive."""
    return _act(event_id, registration_id, services.confirm, "registration.confirm")


@bp.post(PREFIX + "/<int:registration_id>/cancel")
@api_spec.validate(tags=TAGS, security=TOKEN, resp=ACTION)
def cancel_registration(event_id: int, registration_id: int):
    """Cancel; the person is told by e-mail and the place goes to the waiting list."""
    return _act(event_id, registration_id, _cancel, "registration.cancel")


@bp.post(PREFIX + "/<int:registration_id>/move-up")
@api_spec.validate(tags=TAGS, security=TOKEN, resp=ACTION)
def move_up_registration(event_id: int, registration_id: int):
    """Give a person on the waiting list a free place, out of turn if need be. `result`:
    the new status (pending until the address is confirmed, or confirmed)."""
    return _act(event_id, registration_id, _move_up, "registration.move_up")
