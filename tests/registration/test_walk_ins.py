"""Walk-ins get no e-mail, ever (issue 22, 4): a person added because they attended (the
check-in, a webinar report) never asked for mail, and the check-in page promises them none.
Event updates, cancellations, an organizer's cancellation and reminders all leave them out;
the registrations list and the exports show who they are."""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from eventhub import timeutil
from eventhub.attendance import services as attendance
from eventhub.events import services as event_services
from eventhub.mail import OutboxMessage
from eventhub.registration import notify, services
from eventhub.registration.models import Registration, Source
from eventhub.reminders import dispatch
from eventhub.reminders import services as reminder_services
from tests.calendar.helpers import event_data
from tests.events.test_manage_views import text_of
from tests.registration.helpers import applicant
from tests.registration.test_manage_registrations import (
    action_url,
    flashes,
    list_url,
    path,
    row_of,
)

JOIN_URL = "https://meet.example.org/webinar-22"


@pytest.fixture()
def start(clock, make):
    clock.set(make.event().created_at)
    return timeutil.utcnow().replace(microsecond=0) + timedelta(days=7)


@pytest.fixture()
def webinar(make, start, db_session):
    """An online event with one participant registered by the form and one walk-in who
    gave an e-mail address (a webinar report has them)."""
    event = make.event(starts_at=start, double_opt_in=False, online_join_url=JOIN_URL)
    registered = services.register(event.id, applicant(), timeutil.utcnow()).registration
    walk_in = attendance.add_walk_in(event, attendance.WalkIn(
        "Ödön", "Ärger", email="oedoen@example.org"), timeutil.utcnow())
    db_session.commit()
    return event, registered, walk_in


def mail_to(db_session, registration: Registration) -> list[str]:
    db_session.expire_all()
    return list(db_session.scalars(select(OutboxMessage.kind).where(
        OutboxMessage.registration_id == registration.id).order_by(OutboxMessage.id)))


def organizer_of(make, event):
    return make.user(organization=event.organization)


def test_moving_the_event_updates_the_registered_but_not_the_walk_in(webinar, make,
                                                                     db_session):
    event, registered, walk_in = webinar
    data = event_data(event)
    later = replace(data, starts_local=data.starts_local + timedelta(hours=1),
                    ends_local=data.ends_local + timedelta(hours=1))

    event_services.update_event(organizer_of(make, event), event, later,
                                now=timeutil.utcnow())

    assert mail_to(db_session, registered) == ["registration_confirmed", "event_updated"]
    assert mail_to(db_session, walk_in) == []


def test_cancelling_the_event_tells_the_registered_only(webinar, make, db_session):
    event, registered, walk_in = webinar
    event_services.cancel_event(organizer_of(make, event), event, timeutil.utcnow())
    assert mail_to(db_session, registered)[-1] == "event_cancelled"
    assert mail_to(db_session, walk_in) == []


def test_no_mail_of_any_kind_reaches_a_walk_in(webinar, db_session):
    """Every notice goes through ``notify._send``: the rule holds for each of them."""
    _, _, walk_in = webinar
    now = timeutil.utcnow()
    for send in (notify.confirmed, notify.moved_up, notify.existing, notify.event_updated,
                 notify.event_cancelled, notify.registered):
        send(walk_in, now)
    notify.cancelled(walk_in, now, by_organizer=True)
    db_session.flush()
    assert mail_to(db_session, walk_in) == []
    assert not notify.receives_mail(walk_in)
    assert db_session.scalar(select(Registration.id).where(
        notify.RECEIVES_MAIL, Registration.id == walk_in.id)) is None


def test_reminders_leave_walk_ins_out(webinar, start, db_session):
    event, registered, walk_in = webinar
    reminder_services.ensure_default_rules(event)
    db_session.commit()

    dispatch.run(start - timedelta(hours=1))

    assert "reminder" in mail_to(db_session, registered)
    assert mail_to(db_session, walk_in) == []


def test_the_organizer_cancels_a_walk_in_without_mail_and_is_told_so(webinar, make, login,
                                                                     db_session):
    event, _, walk_in = webinar
    client = login(organizer_of(make, event))
    confirm_page = client.get(action_url(event, walk_in, "cancel")).get_data(as_text=True)
    assert "Walk-ins get no e-mails: the person is not told." in text_of(confirm_page)
    assert "The person is told by e-mail." not in text_of(confirm_page)

    response = client.post(action_url(event, walk_in, "cancel"), follow_redirects=True)

    assert "Walk-ins get no e-mails, so the person has not been told." in flashes(
        response.get_data(as_text=True))
    assert mail_to(db_session, walk_in) == []


def test_the_list_marks_walk_ins(webinar, make, login):
    event, registered, walk_in = webinar
    page = login(organizer_of(make, event)).get(list_url(event)).get_data(as_text=True)
    assert "Ödön Ärger walk-in" in row_of(page, walk_in)  # a badge beside the name
    assert "walk-in" not in row_of(page, registered)
    assert page.count('class="badge badge-walk-in"') == 1
    assert "They get no e-mails" in text_of(page)


def test_german_list_marks_walk_ins_too(webinar, make, login):
    event, _, walk_in = webinar
    page = login(organizer_of(make, event)).get(path(
        "manage.registrations_page", event_id=event.id, lang="de")).get_data(as_text=True)
    assert "Ödön Ärger ohne Anmeldung" in row_of(page, walk_in)


@pytest.mark.parametrize("language, head, labels", [
    ("en", "Source", {"form": "registration form", "walk_in": "walk-in",
                      "organizer": "added by the organizers"}),
    ("de", "Herkunft", {"form": "Anmeldeformular", "walk_in": "ohne Anmeldung",
                        "organizer": "von den Veranstaltern eingetragen"}),
])
def test_the_exports_have_a_source_column(webinar, make, login, db_session, language, head,
                                         labels):
    event, registered, walk_in = webinar
    added = services.register(event.id, applicant(), timeutil.utcnow(),
                              source=Source.ORGANIZER).registration
    db_session.commit()
    client = login(organizer_of(make, event))

    def export(file_format):
        return client.get(path("manage.export_registrations", event_id=event.id,
                               file_format=file_format, lang=language)).data

    text = export("csv")[3:].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    sheet = load_workbook(io.BytesIO(export("xlsx"))).active
    xlsx_rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    for table in (rows, xlsx_rows):
        column = table[0].index(head)
        email = table[0].index("E-mail address" if language == "en" else "E-Mail-Adresse")
        by_mail = {row[email]: row[column] for row in table[1:]}
        assert by_mail == {registered.email: labels["form"], walk_in.email: labels["walk_in"],
                           added.email: labels["organizer"]}
