"""The regional report, its downloads and the attendance figures read exactly the same
before and after every event's personal data is purged (README, "Reports")."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from eventhub.attendance.models import Attendance
from eventhub.registration.models import Registration
from eventhub.retention import services
from tests.reports.conftest import NOW, frozen_now, world  # noqa: F401  (fixtures)
from tests.reports.helpers import PERIOD_ARGS, URL, workbook

pytestmark = pytest.mark.usefixtures("frozen_now")
# A CSRF token carries the second it was made in (the page's language switch has one).
CSRF_TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}")


def _everything(client) -> dict:
    """What the coordinators see: the page (also as the shareable view, in English), the
    CSV and every cell of the XLSX, for the whole period and for one event."""
    client.get(URL)  # shows (and so clears) the login's flash message
    seen = {}
    for name, args in (("page", {}), ("shared", {"shared": "y"}), ("english", {"lang": "en"})):
        response = client.get(URL, query_string={**PERIOD_ARGS, **args})
        assert response.status_code == 200
        seen[name] = CSRF_TOKEN.sub("(token)", response.get_data(as_text=True))
    seen["csv"] = client.get(f"{URL}/export.csv", query_string=PERIOD_ARGS).data
    book = workbook(client.get(f"{URL}/export.xlsx", query_string=PERIOD_ARGS).data)
    seen["xlsx"] = {sheet.title: [[c.value for c in row] for row in sheet.iter_rows()]
                    for sheet in book.worksheets}
    return seen


def _attendance_figures(db_session) -> list:
    return db_session.execute(
        select(Registration.event_id, Registration.region_code, Registration.status,
               Registration.source, Registration.organization_size, Attendance.attended,
               Attendance.minutes, Attendance.source)
        .outerjoin(Attendance, Attendance.registration_id == Registration.id)
        .order_by(Registration.id)).all()


def test_the_report_is_the_same_before_and_after_the_purge(client, login, world,  # noqa: F811
                                                           db_session):
    login(world.coordinator)
    before = _everything(client)
    figures = _attendance_figures(db_session)
    assert "Nachtgespräch KI" in before["page"] and b"Digitaltag Sachsen" in before["csv"]
    for event in (world.e1, world.e2, world.e3, world.e5, world.e6, world.e7):
        assert services.purge_event(event.id, NOW) is not None
    db_session.commit()
    left = db_session.scalar(select(func.count()).select_from(Registration).where(
        Registration.email.is_not(None), Registration.event_id != world.e4.id))
    assert left == 0  # the purge did happen
    after = _everything(client)
    for name in before:
        assert after[name] == before[name], name
    assert _attendance_figures(db_session) == figures


def test_an_organizers_report_is_the_same_too(client, login, world, db_session):  # noqa: F811
    login(world.organizer_a)
    client.get(URL)  # the login's flash message
    before = CSRF_TOKEN.sub("", client.get(URL, query_string=PERIOD_ARGS).get_data(as_text=True))
    csv_before = client.get(f"{URL}/export.csv", query_string=PERIOD_ARGS).data
    services.purge_event(world.e1.id, NOW)
    services.purge_event(world.e2.id, NOW)
    db_session.commit()
    assert CSRF_TOKEN.sub("", client.get(URL, query_string=PERIOD_ARGS)
                          .get_data(as_text=True)) == before
    assert client.get(f"{URL}/export.csv", query_string=PERIOD_ARGS).data == csv_before
