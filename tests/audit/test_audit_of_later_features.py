"""The features that came with issue 24 write into the audit trail too: the certificates'
ZIP download (personal data), switching certificates, and erasing an event's personal
data by hand."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from eventhub.attendance.models import Attendance, AttendanceSource
from eventhub.audit.models import AuditEntry
from tests.factories import berlin
from tests.registration.test_manage_registrations import add_registration

START = berlin(2026, 11, 21, 10)


def _entry(db_session, action: str, event_id: int) -> AuditEntry:
    [entry] = db_session.scalars(select(AuditEntry).where(AuditEntry.action == action,
                                                          AuditEntry.event_id == event_id))
    return entry


def test_certificates_switched_on_and_downloaded_are_audited(client, login, make,
                                                             db_session, clock):
    clock.set(START + timedelta(hours=3))
    organizer = make.user()
    event = make.event(organization=organizer.organization, starts_at=START,
                       ends_at=START + timedelta(hours=1))
    person = add_registration(db_session, event, first_name="Jörg", last_name="Geheim")
    db_session.add(Attendance(registration_id=person.id, attended=True,
                              source=AttendanceSource.CHECK_IN))
    db_session.flush()
    login(organizer)
    base = f"/verwaltung/veranstaltungen/{event.id}/bescheinigungen"
    assert client.post(base, data={"switch": "on"}).status_code == 302
    assert client.get(base + ".zip").status_code == 200
    assert _entry(db_session, "certificates.switch", event.id).details == {"on": True}
    export = _entry(db_session, "export.certificates", event.id)
    assert (export.actor_id, export.details) == (organizer.id, {"certificates": 1})
    assert "Geheim" not in str(export.details)


def test_erasing_an_events_personal_data_by_hand_is_audited(client, login, make,
                                                            db_session, clock):
    clock.set(START + timedelta(hours=3))
    organizer = make.user()
    event = make.event(organization=organizer.organization, starts_at=START,
                       ends_at=START + timedelta(hours=2))
    add_registration(db_session, event, email="anna.loesch@example.org")
    db_session.flush()
    login(organizer)
    client.post(f"/verwaltung/veranstaltungen/{event.id}/personendaten-loeschen")
    entry = _entry(db_session, "retention.erase", event.id)
    assert (entry.actor_id, entry.details) == (organizer.id, {"registrations": 1})
