"""Organizer pages for registrations and custom questions, through the client: the list
(counts, search, filter, pages), each action, adding by hand, the question pages, who may
do what, CSRF and bad input.

Fixtures commit what they create: a view that refuses input rolls the session back, and
uncommitted test data would vanish with it.
"""
from __future__ import annotations

import itertools
import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for
from sqlalchemy import func, select

from eventhub import timeutil
from eventhub.auth.models import Role
from eventhub.events.models import Event, EventStatus
from eventhub.mail import MessageStatus, OutboxMessage
from eventhub.registration.models import (
    Answer,
    OrganizationSize,
    Question,
    QuestionKind,
    Registration,
)
from eventhub.registration.models import RegistrationStatus as S
from tests.conftest import csrf_token_from
from tests.events.test_manage_views import is_login_redirect, text_of

K = QuestionKind
_seq = itertools.count(1)
LONG = "x" * 10_000


# --- helpers (also used by test_exports) ------------------------------------------------

def add_question(db_session, event, label: str, kind=K.SHORT_TEXT, options=None,
                 required: bool = False) -> Question:
    question = Question(label=label, kind=kind, options=options or [], required=required,
                        position=len(event.questions))
    event.questions.append(question)
    db_session.flush()
    return question


def add_registration(db_session, event, *, status=S.CONFIRMED, answers=None,
                     erased: bool = False, **kw) -> Registration:
    """A registration written directly (no rules, no mail), with sensible defaults."""
    n = next(_seq)
    now = timeutil.utcnow()
    kw.setdefault("email", f"person{n}@example.org")
    kw.setdefault("first_name", "Erika")
    kw.setdefault("last_name", f"Muster{n}")
    kw.setdefault("organization_size", OrganizationSize.MICRO)
    kw.setdefault("region_code", "DE-SN")
    kw.setdefault("waitlisted_at", now + timedelta(seconds=n) if status is S.WAITLISTED
                  else None)
    # As the service draws it: the order of the waiting list (without one, the order of
    # people moving up would be left to the database).
    kw.setdefault("waitlist_number", n if status is S.WAITLISTED else None)
    kw.setdefault("pending_expires_at", now + timedelta(hours=48) if status is S.PENDING
                  else None)
    if erased:
        kw.update(email=None, first_name=None, last_name=None, organization_name=None,
                  job_role=None, erased_at=now)
    registration = Registration(event_id=event.id, status=status, **kw)
    registration.answers = [Answer(question_id=q.id, value=v)
                            for q, v in (answers or {}).items()]
    db_session.add(registration)
    db_session.flush()
    return registration


def path(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=False, **values)


def reload(db_session, model, id_):
    db_session.expire_all()
    return db_session.get(model, id_)


def count(db_session, model, *where) -> int:
    return db_session.scalar(select(func.count()).select_from(model).where(*where))


def mails(db_session, registration) -> list[str]:
    return list(db_session.scalars(select(OutboxMessage.kind).where(
        OutboxMessage.registration_id == registration.id).order_by(OutboxMessage.id)))


def flashes(page: str) -> str:
    match = re.search(r'<ul class="flash-list">(.*?)</ul>', page, re.S)
    return text_of(match.group(1)) if match else ""


def snapshot(db_session, event_id: int) -> tuple:
    """Everything these pages could change about an event's registrations and questions."""
    db_session.expire_all()
    registrations = db_session.scalars(select(Registration).where(
        Registration.event_id == event_id).order_by(Registration.id)).all()
    questions = db_session.scalars(select(Question).where(
        Question.event_id == event_id).order_by(Question.id)).all()
    return ([(r.id, r.status, r.email, r.first_name, sorted((a.question_id, a.value)
                                                            for a in r.answers))
             for r in registrations],
            [(q.id, q.label, q.kind, q.options, q.position, q.required) for q in questions],
            count(db_session, OutboxMessage), db_session.get(Event, event_id).capacity)


# --- fixtures ---------------------------------------------------------------------------

@pytest.fixture()
def centre_a(make):
    return make.organization(slug="zentrum-a", name="Zentrum A", region_code="DE-BB")


@pytest.fixture()
def centre_b(make):
    return make.organization(slug="zentrum-b", name="Zentrum B", region_code="DE-SN")


def build_event(make, db_session, organization, title: str) -> Event:
    """Published, 3 places: 2 confirmed, 1 pending, 2 waitlisted; one question."""
    event = make.event(organization=organization, title=title, capacity=3)
    question = add_question(db_session, event, "Ihre Erwartungen")
    for status in (S.CONFIRMED, S.CONFIRMED, S.PENDING, S.WAITLISTED, S.WAITLISTED):
        add_registration(db_session, event, status=status, answers={question: "Austausch"})
    db_session.commit()
    return event


@pytest.fixture()
def event_a(make, db_session, centre_a):
    return build_event(make, db_session, centre_a, "Veranstaltung von A")


@pytest.fixture()
def event_b(make, db_session, centre_b):
    return build_event(make, db_session, centre_b, "Veranstaltung von B")


@pytest.fixture()
def as_a(login, make, db_session, centre_a):
    user = make.user(organization=centre_a, name="Anna A")
    db_session.commit()
    return login(user)


def first_with(db_session, event, status: S) -> Registration:
    return db_session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status == status)
        .order_by(Registration.waitlisted_at, Registration.id)).first()


def list_url(event, **args) -> str:
    return path("manage.registrations_page", event_id=event.id, lang="en", **args)


def action_url(event, registration, action: str) -> str:
    endpoint = {"confirm": "manage.confirm_registration", "cancel": "manage.cancel_registration",
                "move_up": "manage.move_up_registration"}[action]
    return path(endpoint, event_id=event.id, registration_id=registration.id, lang="en")


def add_url(event) -> str:
    return path("manage.add_registration", event_id=event.id, lang="en")


def questions_url(event) -> str:
    return path("manage.questions_page", event_id=event.id, lang="en")


def question_url(event, question, action: str = "") -> str:
    endpoint = {"": "manage.edit_question", "delete": "manage.delete_question",
                "move": "manage.move_question"}[action]
    return path(endpoint, event_id=event.id, question_id=question.id, lang="en")


def participant_form(**overrides) -> dict[str, str]:
    data = {"first_name": "Max", "last_name": "Handeingabe", "email": "max@example.org",
            "organization_name": "Tischlerei Max", "organization_size": "10-49",
            "job_role": "Inhaber", "region_code": "DE-TH", "language": "de"}
    return {**data, **overrides}


def question_form(**overrides) -> dict[str, str]:
    data = {"label": "Welche Themen?", "help_text": "", "kind": "multiple_choice",
            "options": "KI\nRecht", "required": "y"}
    return {**data, **overrides}


# --- the list ---------------------------------------------------------------------------

def count_of(page: str, key: str) -> str:
    match = re.search(rf'data-count="{key}">([^<]*)<', page)
    assert match, key
    return match.group(1).strip()


def row_html(page: str, registration: Registration) -> str:
    match = re.search(rf'<tr id="registration-{registration.id}">(.*?)</tr>', page, re.S)
    return match.group(1) if match else ""


def row_of(page: str, registration: Registration) -> str:
    return text_of(row_html(page, registration))


def listed_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="registration-(\d+)">', page)]


def test_list_shows_counts_places_and_columns(as_a, db_session, event_a):
    add_registration(db_session, event_a, status=S.CANCELLED)
    add_registration(db_session, event_a, status=S.EXPIRED)
    db_session.commit()
    page = as_a.get(list_url(event_a)).get_data(as_text=True)
    assert [count_of(page, s.value) for s in (S.CONFIRMED, S.PENDING, S.WAITLISTED,
                                             S.CANCELLED, S.EXPIRED)] == ["2", "1", "2", "1", "1"]
    assert count_of(page, "held") == "3 of 3"
    assert count_of(page, "free") == "0"
    assert "7 registrations found" in text_of(page)
    first = first_with(db_session, event_a, S.CONFIRMED)
    row = row_of(page, first)
    # The address may break after its @ only: local part and domain each stay whole.
    assert first.full_name in row and first.email.replace("@", "@ ") in row
    assert "confirmed" in row and "1–9 employees" in row and "Saxony" in row
    assert "Austausch" in row
    assert '<dt>Ihre Erwartungen</dt>' in row_html(page, first)  # folded in the row
    assert 'class="table-wrap"' in page and page.count("<h1") == 1


def test_choice_and_checkbox_answers_are_shown_readably(as_a, db_session, event_a):
    topics = add_question(db_session, event_a, "Themen", K.MULTIPLE_CHOICE, ["KI", "Recht"])
    news = add_question(db_session, event_a, "Newsletter", K.CHECKBOX)
    person = add_registration(db_session, event_a, answers={
        topics: json.dumps(["KI", "Recht"]), news: "yes"})
    db_session.commit()
    row = row_of(as_a.get(list_url(event_a)).get_data(as_text=True), person)
    assert "KI; Recht" in row and " yes " in f" {row} " and "[" not in row


def test_waitlisted_rows_show_their_place_in_order(as_a, db_session, event_a):
    first, second = db_session.scalars(select(Registration).where(
        Registration.event_id == event_a.id, Registration.status == S.WAITLISTED)
        .order_by(Registration.waitlisted_at)).all()
    page = as_a.get(list_url(event_a, status="waitlisted")).get_data(as_text=True)
    assert listed_ids(page) == [first.id, second.id]
    assert "place 1" in row_of(page, first) and "place 2" in row_of(page, second)
    all_page = as_a.get(list_url(event_a)).get_data(as_text=True)
    assert "place 2" in row_of(all_page, second)


def test_erased_registration_shows_as_deleted_without_personal_data(as_a, db_session,
                                                                   event_a):
    erased = add_registration(db_session, event_a, erased=True, status=S.CANCELLED,
                              region_code="DE-MV")
    db_session.commit()
    row = row_of(as_a.get(list_url(event_a)).get_data(as_text=True), erased)
    assert row.split()[:2] == ["deleted", "deleted"]
    assert "Mecklenburg" in row and "@" not in row and "Cancel" not in row


def test_unlimited_event_shows_no_limit(as_a, db_session, event_a):
    event_a.capacity = None
    db_session.commit()
    page = as_a.get(list_url(event_a)).get_data(as_text=True)
    assert count_of(page, "free") == "no limit"
    assert count_of(page, "held") == "3 (no limit)"


def add_mail(db_session, registration, error: str, *, kind: str = "reminder",
             status=MessageStatus.FAILED) -> OutboxMessage:
    """An outbox message to ``registration`` with the outcome ``status`` and ``error``."""
    message = OutboxMessage(
        message_id=f"<mail-{next(_seq)}@eventhub.test>", kind=kind,
        to_address=registration.email, subject="Betreff", body_text="Text",
        body_html="<p>Text</p>", language="de", status=status, attempts=1,
        next_attempt_at=timeutil.utcnow(), last_error=error, registration_id=registration.id)
    db_session.add(message)
    db_session.flush()
    return message


def test_failed_e_mails_are_listed_with_address_kind_and_escaped_reason(as_a, db_session,
                                                                        event_a, event_b):
    person = first_with(db_session, event_a, S.CONFIRMED)
    add_mail(db_session, person, 'recipient refused: 550 5.1.1 <script>alert("x")</script>')
    add_mail(db_session, person, "message refused: 554 spam", kind="registration_confirmed")
    add_mail(db_session, first_with(db_session, event_a, S.PENDING), "451 busy",
             status=MessageStatus.QUEUED)  # still being retried: not listed
    add_mail(db_session, first_with(db_session, event_b, S.CONFIRMED), "550 other centre")
    db_session.commit()

    page = as_a.get(list_url(event_a)).get_data(as_text=True)

    start = page.index('id="failed-mail"')
    notice = page[start:page.index("</section>", start)]
    assert "2 e-mails could not be delivered" in text_of(notice)
    assert person.email in notice and person.full_name in notice
    assert "Reminder" in notice and "Registration confirmed" in notice
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in notice
    assert "<script>alert" not in page
    assert "451 busy" not in page and "other centre" not in page
    german = as_a.get(path("manage.registrations_page", event_id=event_a.id))
    assert "2 E-Mails konnten nicht zugestellt werden" in german.get_data(as_text=True)


def test_no_notice_while_every_e_mail_went_out(as_a, db_session, event_a):
    add_mail(db_session, first_with(db_session, event_a, S.CONFIRMED), None,
             status=MessageStatus.SENT)
    db_session.commit()
    assert 'id="failed-mail"' not in as_a.get(list_url(event_a)).get_data(as_text=True)


@pytest.mark.parametrize("query, expected", [
    ("MÜLLER", ["mueller"]),            # upper-case umlauts in the search (PostgreSQL and SQLite)
    ("jörg", ["mueller"]),
    ("Jörg Müller", ["mueller"]),       # every word must match somewhere
    ("Jörg Schmidt", []),
    ("SCHMIDT@EXAMPLE", ["schmidt"]),   # e-mail address
    ("bäckerei", ["schmidt"]),          # organization
    ("%", []),                          # LIKE wildcards are taken literally
    ("_", ["underscore"]),
])
def test_search_is_case_insensitive_over_name_email_and_organization(
        as_a, db_session, event_a, query, expected):
    made = {
        "mueller": add_registration(db_session, event_a, first_name="Jörg", last_name="Müller",
                                    email="jm@example.org"),
        "schmidt": add_registration(db_session, event_a, first_name="Eva", last_name="Schmidt",
                                    email="schmidt@example.org",
                                    organization_name="Bäckerei Korn"),
        "underscore": add_registration(db_session, event_a, email="a_b@example.org"),
    }
    db_session.commit()
    page = as_a.get(list_url(event_a, q=query)).get_data(as_text=True)
    assert listed_ids(page) == sorted((made[key].id for key in expected), reverse=True)
    assert f'value="{query}"' in page.replace("&#34;", '"') or query in text_of(page)


def test_status_filter_and_unknown_status(as_a, db_session, event_a):
    pending = first_with(db_session, event_a, S.PENDING)
    assert listed_ids(as_a.get(list_url(event_a, status="pending")).get_data(as_text=True)) \
        == [pending.id]
    everything = as_a.get(list_url(event_a, status="nonsense"))
    assert everything.status_code == 200
    assert len(listed_ids(everything.get_data(as_text=True))) == 5


def test_pages_keep_search_and_filter(as_a, db_session, event_a):
    for n in range(55):
        add_registration(db_session, event_a, status=S.CANCELLED, last_name=f"Seite{n}")
    db_session.commit()
    first = as_a.get(list_url(event_a, q="seite", status="cancelled")).get_data(as_text=True)
    assert len(listed_ids(first)) == 50 and "55 registrations found" in text_of(first)
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(next_link).query) | {"lang": ["en"]} == {
        "q": ["seite"], "status": ["cancelled"], "page": ["2"], "lang": ["en"]}
    second = as_a.get(next_link).get_data(as_text=True)
    assert len(listed_ids(second)) == 5
    assert as_a.get(list_url(event_a, page=99)).status_code == 200


def test_event_page_links_to_registrations_and_questions(as_a, event_a):
    page = as_a.get(path("manage.event", event_id=event_a.id)).get_data(as_text=True)
    assert f'href="{path("manage.registrations_page", event_id=event_a.id)}"' in page
    assert f'href="{path("manage.questions_page", event_id=event_a.id)}"' in page


# --- actions ----------------------------------------------------------------------------

def test_confirm_a_pending_registration(as_a, db_session, event_a):
    pending = first_with(db_session, event_a, S.PENDING)
    response = as_a.post(action_url(event_a, pending, "confirm"),
                         data={"q": "muster", "status": "pending", "page": "1"})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {
        "q": ["muster"], "status": ["pending"], "page": ["1"]}
    assert reload(db_session, Registration, pending.id).status is S.CONFIRMED
    assert mails(db_session, pending) == ["registration_confirmed"]
    assert "The registration is confirmed." in flashes(
        as_a.get(response.headers["Location"] + "&lang=en").get_data(as_text=True))


def test_confirming_an_expired_pending_registration_releases_the_place(as_a, db_session,
                                                                      event_a):
    pending = first_with(db_session, event_a, S.PENDING)
    pending.pending_expires_at = timeutil.utcnow() - timedelta(minutes=1)
    db_session.commit()
    first_waiting = first_with(db_session, event_a, S.WAITLISTED)
    response = as_a.post(action_url(event_a, pending, "confirm"), follow_redirects=True)
    assert "the place has been released" in flashes(response.get_data(as_text=True))
    assert reload(db_session, Registration, pending.id).status is S.EXPIRED
    assert db_session.get(Registration, first_waiting.id).status is S.PENDING


def test_cancel_asks_first_then_gives_the_place_to_the_waiting_list(as_a, db_session,
                                                                   event_a):
    confirmed = first_with(db_session, event_a, S.CONFIRMED)
    confirmed.language = "en"
    db_session.commit()
    first_waiting = first_with(db_session, event_a, S.WAITLISTED)
    question_page = as_a.get(action_url(event_a, confirmed, "cancel") + "&status=confirmed")
    assert question_page.status_code == 200
    assert confirmed.full_name in question_page.get_data(as_text=True)
    assert reload(db_session, Registration, confirmed.id).status is S.CONFIRMED
    assert 'name="status" value="confirmed"' in question_page.get_data(as_text=True)
    response = as_a.post(action_url(event_a, confirmed, "cancel"),
                         data={"status": "confirmed"})
    assert response.status_code == 302
    assert "status=confirmed" in response.headers["Location"]
    cancelled = reload(db_session, Registration, confirmed.id)
    assert cancelled.status is S.CANCELLED
    assert mails(db_session, cancelled) == ["registration_cancelled"]
    assert "The organizers have cancelled your registration" in db_session.scalar(
        select(OutboxMessage.body_text).where(OutboxMessage.registration_id == confirmed.id))
    promoted = db_session.get(Registration, first_waiting.id)
    assert promoted.status is S.PENDING  # double opt-in: must still confirm the address
    assert mails(db_session, promoted) == ["registration_moved_up"]


def test_cancelling_twice_says_it_is_no_longer_active(as_a, db_session, event_a):
    cancelled = add_registration(db_session, event_a, status=S.CANCELLED)
    db_session.commit()
    before = snapshot(db_session, event_a.id)
    response = as_a.post(action_url(event_a, cancelled, "cancel"), follow_redirects=True)
    assert "no longer active" in flashes(response.get_data(as_text=True))
    assert snapshot(db_session, event_a.id) == before


def test_move_up_when_full_is_refused_with_a_message(as_a, db_session, event_a):
    waiting = first_with(db_session, event_a, S.WAITLISTED)
    before = snapshot(db_session, event_a.id)
    response = as_a.post(action_url(event_a, waiting, "move_up"), follow_redirects=True)
    assert "There is no free place" in flashes(response.get_data(as_text=True))
    assert snapshot(db_session, event_a.id) == before


@pytest.mark.parametrize("double_opt_in, verified, expected", [
    (True, False, S.PENDING), (False, False, S.CONFIRMED), (True, True, S.CONFIRMED)])
def test_move_up_by_hand_when_a_place_is_free(as_a, db_session, event_a, double_opt_in,
                                              verified, expected):
    event_a.capacity = 4
    event_a.double_opt_in = double_opt_in
    second = db_session.scalars(select(Registration).where(
        Registration.event_id == event_a.id, Registration.status == S.WAITLISTED)
        .order_by(Registration.waitlisted_at.desc())).first()
    if verified:
        second.email_verified_at = timeutil.utcnow()
    db_session.commit()
    response = as_a.post(action_url(event_a, second, "move_up"), follow_redirects=True)
    assert "Moved up from the waiting list" in flashes(response.get_data(as_text=True))
    assert reload(db_session, Registration, second.id).status is expected
    assert mails(db_session, second) == ["registration_moved_up"]


def test_move_up_of_a_registration_not_on_the_waiting_list_is_refused(as_a, db_session,
                                                                     event_a):
    event_a.capacity = 10
    db_session.commit()
    confirmed = first_with(db_session, event_a, S.CONFIRMED)
    before = snapshot(db_session, event_a.id)
    response = as_a.post(action_url(event_a, confirmed, "move_up"), follow_redirects=True)
    assert "Only a registration on the waiting list" in flashes(response.get_data(as_text=True))
    assert snapshot(db_session, event_a.id) == before


def test_registration_of_another_event_is_not_found_via_own_event(as_a, db_session, event_a,
                                                                  event_b):
    before = snapshot(db_session, event_b.id)
    foreign = first_with(db_session, event_b, S.PENDING)
    for action in ("confirm", "cancel", "move_up"):
        assert as_a.post(action_url(event_a, foreign, action)).status_code == 404
    assert as_a.get(action_url(event_a, foreign, "cancel")).status_code == 404
    foreign_question = db_session.scalars(select(Question).where(
        Question.event_id == event_b.id)).first()
    for action in ("", "delete", "move"):
        assert as_a.post(question_url(event_a, foreign_question, action),
                         data=question_form()).status_code == 404
    assert snapshot(db_session, event_b.id) == before


# --- adding a participant by hand -------------------------------------------------------

def test_add_participant_by_hand(as_a, db_session, event_a):
    event_a.capacity = 10
    db_session.commit()
    response = as_a.post(add_url(event_a), data=participant_form(email=" Max@Example.org "))
    assert response.status_code == 302
    added = db_session.scalar(select(Registration).where(
        Registration.email == "max@example.org"))
    assert (added.status, added.source, added.region_code, added.organization_size) == (
        S.CONFIRMED, "organizer", "DE-TH", OrganizationSize.SMALL)
    assert added.consent_version is None  # no consent was given through the form
    assert mails(db_session, added) == ["registration_confirmed"]
    assert "Max Handeingabe has been added: confirmed." in flashes(
        as_a.get(list_url(event_a)).get_data(as_text=True))


def test_added_participant_joins_the_waiting_list_when_full(as_a, db_session, event_a):
    assert as_a.post(add_url(event_a), data=participant_form()).status_code == 302
    added = db_session.scalar(select(Registration).where(
        Registration.email == "max@example.org"))
    assert added.status is S.WAITLISTED


def test_add_participant_with_answers_to_the_events_questions(as_a, db_session, event_a):
    topics = add_question(db_session, event_a, "Themen", K.MULTIPLE_CHOICE, ["KI", "Recht"],
                          required=True)
    db_session.commit()
    page = as_a.get(add_url(event_a)).get_data(as_text=True)
    assert "Themen" in page and f'name="q_{topics.id}"' in page
    missing = as_a.post(add_url(event_a), data=participant_form())
    assert missing.status_code == 422
    assert count(db_session, Registration, Registration.email == "max@example.org") == 0
    response = as_a.post(add_url(event_a), data={**participant_form(),
                                                 f"q_{topics.id}": ["KI", "Recht"]})
    assert response.status_code == 302
    added = db_session.scalar(select(Registration).where(
        Registration.email == "max@example.org"))
    answers = {a.question_id: a.value for a in added.answers}
    assert json.loads(answers[topics.id]) == ["KI", "Recht"]


def test_duplicate_address_is_named_and_nothing_is_sent(as_a, db_session, event_a):
    existing = first_with(db_session, event_a, S.CONFIRMED)
    before = snapshot(db_session, event_a.id)
    response = as_a.post(add_url(event_a), data=participant_form(
        email=existing.email.upper()))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This e-mail address is registered for this event already." in page
    assert 'id="email-error"' in page
    assert snapshot(db_session, event_a.id) == before  # no record, no e-mail


@pytest.mark.parametrize("status, message", [
    (EventStatus.DRAFT, "once the event is published"),
    (EventStatus.CANCELLED, "The event has been cancelled"),
])
def test_adding_to_a_draft_or_cancelled_event_is_explained(as_a, db_session, event_a, status,
                                                           message):
    event_a.status = status
    db_session.commit()
    before = snapshot(db_session, event_a.id)
    response = as_a.post(add_url(event_a), data=participant_form())
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert snapshot(db_session, event_a.id) == before


BAD_PARTICIPANTS = {
    "missing first name": ({"first_name": ""}, "first_name"),
    "missing e-mail": ({"email": ""}, "email"),
    "invalid e-mail": ({"email": "kein-at-zeichen"}, "email"),
    "long name": ({"last_name": LONG}, "last_name"),
    "long organization": ({"organization_name": LONG}, "organization_name"),
    "long role": ({"job_role": LONG}, "job_role"),
    "long e-mail": ({"email": "a" * 10_000 + "@example.org"}, "email"),
    "unknown region": ({"region_code": "DE-XX"}, "region_code"),
    "missing region": ({"region_code": ""}, "region_code"),
    "unknown size": ({"organization_size": "huge"}, "organization_size"),
    "unknown language": ({"language": "fr"}, "language"),
}


@pytest.mark.parametrize("case", BAD_PARTICIPANTS)
def test_bad_input_on_the_add_form(as_a, db_session, event_a, case):
    overrides, field = BAD_PARTICIPANTS[case]
    before = snapshot(db_session, event_a.id)
    response = as_a.post(add_url(event_a), data=participant_form(**overrides))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert snapshot(db_session, event_a.id) == before


def test_script_in_the_add_form_is_shown_escaped(as_a, db_session, event_a):
    event_a.capacity = 10
    db_session.commit()
    script = "<script>alert(1)</script>"
    assert as_a.post(add_url(event_a), data=participant_form(
        last_name=script, organization_name=script)).status_code == 302
    page = as_a.get(list_url(event_a)).get_data(as_text=True)
    assert script not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- questions ---------------------------------------------------------------------------

def stored_questions(db_session, event) -> list[tuple]:
    db_session.expire_all()
    return [(q.label, q.kind, q.options, q.required, q.position) for q in db_session.scalars(
        select(Question).where(Question.event_id == event.id).order_by(Question.position))]


def test_add_a_question(as_a, db_session, event_a):
    response = as_a.post(questions_url(event_a), data=question_form(
        options="KI\r\n\r\n Recht \r\n"))
    assert response.status_code == 302
    assert stored_questions(db_session, event_a)[1] == (
        "Welche Themen?", K.MULTIPLE_CHOICE, ["KI", "Recht"], True, 1)
    page = as_a.get(questions_url(event_a)).get_data(as_text=True)
    assert "The question has been added." in flashes(page)
    assert "Welche Themen?" in page and "Multiple choice" in text_of(page)
    assert "5 answers" in text_of(page)  # the fixture's question


def test_edit_form_shows_options_one_per_line(as_a, db_session, event_a):
    question = add_question(db_session, event_a, "Format", K.SINGLE_CHOICE, ["Online", "Vor Ort"])
    db_session.commit()
    page = as_a.get(question_url(event_a, question)).get_data(as_text=True)
    assert re.search(r"<textarea[^>]*>\s*Online\r?\nVor Ort</textarea>", page)
    assert 'value="single_choice" selected' in page or \
        re.search(r'<option selected value="single_choice">', page)


def test_editing_an_answered_question_warns_and_keeps_the_answers(as_a, db_session, event_a):
    question = event_a.questions[0]
    page = as_a.get(question_url(event_a, question)).get_data(as_text=True)
    assert "5 people have answered this question already." in text_of(page)
    assert "Deleting the question also deletes 5 answers." in text_of(page)
    response = as_a.post(question_url(event_a, question), data=question_form(
        label="Ihre Erwartungen an den Tag", kind="short_text", options="", required=""))
    assert response.status_code == 302
    assert stored_questions(db_session, event_a) == [
        ("Ihre Erwartungen an den Tag", K.SHORT_TEXT, [], False, 0)]
    assert count(db_session, Answer, Answer.question_id == question.id) == 5
    assert "5 answers given before the change are kept" in flashes(
        as_a.get(questions_url(event_a)).get_data(as_text=True))


def test_the_kind_of_an_answered_question_cannot_change(as_a, db_session, event_a):
    question = event_a.questions[0]
    before = snapshot(db_session, event_a.id)
    response = as_a.post(question_url(event_a, question), data=question_form())
    assert response.status_code == 422
    assert 'id="kind-error"' in response.get_data(as_text=True)
    assert snapshot(db_session, event_a.id) == before


def test_deleting_a_question_says_how_many_answers_went(as_a, db_session, event_a):
    question = event_a.questions[0]
    response = as_a.post(question_url(event_a, question, "delete"))
    assert response.status_code == 302
    assert stored_questions(db_session, event_a) == []
    assert count(db_session, Answer) == 0
    assert count(db_session, Registration, Registration.event_id == event_a.id) == 5
    assert "The question has been deleted, with 5 answers." in flashes(
        as_a.get(questions_url(event_a)).get_data(as_text=True))


def test_reordering_questions(as_a, db_session, event_a):
    second = add_question(db_session, event_a, "Zweite")
    db_session.commit()
    response = as_a.post(question_url(event_a, second, "move"), data={"direction": "up"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#question-{second.id}")
    assert [q[0] for q in stored_questions(db_session, event_a)] == [
        "Zweite", "Ihre Erwartungen"]
    assert as_a.post(question_url(event_a, second, "move"),
                     data={"direction": "up"}).status_code == 302
    assert [q[4] for q in stored_questions(db_session, event_a)] == [0, 1]


def test_new_question_appears_on_the_public_form(as_a, client, db_session, event_a):
    as_a.post(questions_url(event_a), data=question_form(label="Newsletter?",
                                                         kind="checkbox", options=""))
    page = client.get(path("registration.register", slug=event_a.slug)).get_data(as_text=True)
    assert "Newsletter?" in page


BAD_QUESTIONS = {
    "missing label": ({"label": ""}, "label"),
    "long label": ({"label": LONG}, "label"),
    "long help text": ({"help_text": LONG}, "help_text"),
    "unknown kind": ({"kind": "essay"}, "kind"),
    "missing kind": ({"kind": ""}, "kind"),
    "options for a text question": ({"kind": "short_text", "options": "A\nB"}, "options"),
    "options for a checkbox": ({"kind": "checkbox"}, "options"),
    "choice without options": ({"kind": "single_choice", "options": " \n "}, "options"),
    "duplicate options": ({"options": "KI\nki"}, "options"),
    "too many options": ({"options": "\n".join(f"O{n}" for n in range(51))}, "options"),
    "long option": ({"options": "x" * 201}, "options"),
    "huge options field": ({"options": LONG + "\n" + LONG}, "options"),
}


@pytest.mark.parametrize("case", BAD_QUESTIONS)
@pytest.mark.parametrize("where", ["add", "edit"])
def test_bad_input_on_the_question_form(as_a, db_session, event_a, case, where):
    overrides, field = BAD_QUESTIONS[case]
    unanswered = add_question(db_session, event_a, "Ohne Antworten")
    db_session.commit()
    url = questions_url(event_a) if where == "add" else question_url(event_a, unanswered)
    before = snapshot(db_session, event_a.id)
    response = as_a.post(url, data=question_form(**overrides))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert snapshot(db_session, event_a.id) == before


# --- event form: double opt-in and more places --------------------------------------------

def event_form(event: Event, **overrides) -> dict[str, str]:
    local = timeutil.local_naive
    data = {"organization_id": str(event.organization_id), "title": event.title,
            "slug": event.slug, "format": event.format.value, "summary": "",
            "description": "", "timezone": event.timezone, "online_join_url": "",
            "venue": "", "capacity": str(event.capacity or ""),
            "starts_local": local(event.starts_at, event.timezone).strftime("%Y-%m-%dT%H:%M"),
            "ends_local": local(event.ends_at, event.timezone).strftime("%Y-%m-%dT%H:%M"),
            "registration_opens_local": "", "registration_closes_local": "",
            "double_opt_in": "y"}
    return {**data, **overrides}


def test_double_opt_in_can_be_switched_off_in_the_event_form(as_a, db_session, event_a):
    edit_url = path("manage.edit_event", event_id=event_a.id)
    assert 'name="double_opt_in"' in as_a.get(edit_url).get_data(as_text=True)
    form = event_form(event_a)
    del form["double_opt_in"]
    assert as_a.post(edit_url, data=form).status_code == 302
    assert reload(db_session, Event, event_a.id).double_opt_in is False
    assert as_a.post(edit_url, data=event_form(event_a)).status_code == 302
    assert reload(db_session, Event, event_a.id).double_opt_in is True


@pytest.mark.parametrize("capacity, promoted", [("4", 1), ("10", 2), ("", 2), ("3", 0)])
def test_raising_the_capacity_promotes_from_the_waiting_list(as_a, db_session, event_a,
                                                             capacity, promoted):
    first, second = db_session.scalars(select(Registration).where(
        Registration.event_id == event_a.id, Registration.status == S.WAITLISTED)
        .order_by(Registration.waitlisted_at)).all()
    response = as_a.post(path("manage.edit_event", event_id=event_a.id),
                         data=event_form(event_a, capacity=capacity))
    assert response.status_code == 302
    statuses = [reload(db_session, Registration, r.id).status for r in (first, second)]
    assert statuses == [S.PENDING] * promoted + [S.WAITLISTED] * (2 - promoted)
    assert [mails(db_session, r) for r in (first, second)][:promoted] == \
        [["registration_moved_up"]] * promoted


# --- who may do what --------------------------------------------------------------------

ROUTES = [
    ("manage.registrations_page", "GET", None),
    ("manage.add_registration", "GET", None),
    ("manage.add_registration", "POST", "participant"),
    ("manage.confirm_registration", "POST", "pending"),
    ("manage.cancel_registration", "GET", "confirmed"),
    ("manage.cancel_registration", "POST", "confirmed"),
    ("manage.move_up_registration", "POST", "waitlisted"),
    ("manage.export_registrations", "GET", "csv"),
    ("manage.export_registrations", "GET", "xlsx"),
    ("manage.questions_page", "GET", None),
    ("manage.questions_page", "POST", "question"),
    ("manage.edit_question", "GET", None),
    ("manage.edit_question", "POST", "question"),
    ("manage.delete_question", "POST", None),
    ("manage.move_question", "POST", "move"),
]
GET_ROUTES = [r for r in ROUTES if r[1] == "GET"]
POST_ROUTES = [r for r in ROUTES if r[1] == "POST"]


def route_id(route) -> str:
    return f"{route[0].removeprefix('manage.')}-{route[1]}-{route[2] or ''}".rstrip("-")


def route_url(db_session, event: Event, route) -> str:
    endpoint, _, kind = route
    values = {"event_id": event.id}
    if kind in ("pending", "confirmed", "waitlisted"):
        values["registration_id"] = first_with(db_session, event, S(kind)).id
    if kind in ("csv", "xlsx"):
        values["file_format"] = kind
    if "question" in endpoint and endpoint != "manage.questions_page":
        values["question_id"] = event.questions[0].id
    return path(endpoint, **values)


def call(client, db_session, route, event: Event):
    url = route_url(db_session, event, route)
    if route[1] == "GET":
        return client.get(url)
    data = {"participant": participant_form(), "question": question_form(kind="short_text",
                                                                         options=""),
            "move": {"direction": "down"}}.get(route[2], {})
    return client.post(url, data=data)


def test_the_route_list_covers_every_route_of_these_pages(app):
    registered = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
                  if app.view_functions[rule.endpoint].__module__
                  == "eventhub.registration.manage_views"
                  for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert registered == {(endpoint, method) for endpoint, method, _ in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_organizer_cannot_reach_another_centres_registrations(as_a, db_session, event_b,
                                                              route):
    add_question(db_session, event_b, "Zweite")  # so that "move" could change something
    db_session.commit()
    before = snapshot(db_session, event_b.id)
    response = call(as_a, db_session, route, event_b)
    assert response.status_code in (403, 404)
    assert "Veranstaltung von B" not in response.get_data(as_text=True)
    assert snapshot(db_session, event_b.id) == before


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_anonymous_visitors_are_sent_to_the_login(client, db_session, event_b, route):
    before = snapshot(db_session, event_b.id)
    assert is_login_redirect(call(client, db_session, route, event_b))
    assert snapshot(db_session, event_b.id) == before


@pytest.fixture(params=["owner", Role.COORDINATOR, Role.ADMIN])
def manager_of_b(request, make, db_session, centre_b, login):
    user = make.user(organization=centre_b) if request.param == "owner" \
        else make.user(role=request.param)
    db_session.commit()
    return login(user)


@pytest.mark.parametrize("route", GET_ROUTES, ids=route_id)
def test_owner_coordinator_and_admin_can_open_the_pages(manager_of_b, db_session, event_b,
                                                        route):
    response = call(manager_of_b, db_session, route, event_b)
    assert response.status_code == 200
    if route[2] not in ("csv", "xlsx"):
        assert "Veranstaltung von B" in response.get_data(as_text=True)


@pytest.mark.parametrize("route", POST_ROUTES, ids=route_id)
def test_the_same_posts_by_the_owner_change_something(login, make, db_session, centre_b,
                                                      event_b, route):
    """Counterpart of the refusals above: the requests sent there would have had an effect."""
    add_question(db_session, event_b, "Zweite")
    event_b.capacity = 4 if route[0] == "manage.move_up_registration" else event_b.capacity
    owner = make.user(organization=centre_b)
    db_session.commit()
    before = snapshot(db_session, event_b.id)
    response = call(login(owner), db_session, route, event_b)
    assert response.status_code == 302
    assert snapshot(db_session, event_b.id) != before


# --- CSRF ------------------------------------------------------------------------------

@pytest.fixture()
def csrf_on(app, monkeypatch, as_a):
    """Turned on after logging in (the login fixture posts without a token)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.mark.parametrize("route", POST_ROUTES, ids=route_id)
def test_post_without_csrf_token_is_refused(as_a, db_session, event_a, csrf_on, route):
    event_a.capacity = 4
    add_question(db_session, event_a, "Zweite")
    db_session.commit()
    before = snapshot(db_session, event_a.id)
    response = call(as_a, db_session, route, event_a)
    assert response.status_code == 400
    assert snapshot(db_session, event_a.id) == before


@pytest.mark.parametrize("page_endpoint, route", [
    ("manage.registrations_page", ("manage.confirm_registration", "POST", "pending")),
    ("manage.add_registration", ("manage.add_registration", "POST", "participant")),
    ("manage.questions_page", ("manage.questions_page", "POST", "question")),
])
def test_post_with_the_pages_csrf_token_works(as_a, db_session, event_a, csrf_on,
                                              page_endpoint, route):
    page = as_a.get(path(page_endpoint, event_id=event_a.id)).get_data(as_text=True)
    token = csrf_token_from(page)
    before = snapshot(db_session, event_a.id)
    url = route_url(db_session, event_a, route)
    data = {"participant": participant_form(), "question": question_form()}.get(route[2], {})
    response = as_a.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 302
    assert snapshot(db_session, event_a.id) != before
