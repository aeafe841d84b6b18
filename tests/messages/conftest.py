"""An online talk on 21 November 2026 that is over, with people of every kind: who attended,
who did not, in German and English, in Saxony and Brandenburg, a walk-in, an erased person
and a cancelled one. The SMTP fixtures are the mail tests' (a real aiosmtpd server)."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from eventhub.attendance.models import WALK_IN, Attendance, AttendanceSource
from eventhub.registration.models import RegistrationStatus as S
from tests.factories import berlin
from tests.mail.conftest import mail_config, smtp  # noqa: F401  (fixtures)
from tests.registration.test_manage_registrations import add_registration

START = berlin(2026, 11, 21, 10)
END = START + timedelta(hours=2)

PEOPLE = {  # key: (first name, e-mail, language, region, status, attended, kind)
    "anna": ("Anna", "anna@example.org", "de", "DE-SN", S.CONFIRMED, True, "form"),
    "ben": ("Ben", "ben@example.org", "en", "DE-SN", S.CONFIRMED, True, "form"),
    "carla": ("Carla", "carla@example.org", "de", "DE-SN", S.CONFIRMED, True, "organizer"),
    "dora": ("Dora", "dora@example.org", "de", "DE-BB", S.CONFIRMED, True, "form"),
    "emil": ("Emil", "emil@example.org", "de", "DE-SN", S.CONFIRMED, False, "form"),
    "fritz": ("Fritz", "fritz@example.org", "de", "DE-SN", S.CONFIRMED, None, "form"),
    "walkin": ("Walter", "walter@example.org", "de", "DE-SN", S.CONFIRMED, True, WALK_IN),
    "erased": (None, None, "de", "DE-SN", S.CANCELLED, True, "form"),
    "gone": ("Gerda", "gerda@example.org", "de", "DE-SN", S.CANCELLED, True, "form"),
    "waiting": ("Wanda", "wanda@example.org", "en", "DE-SN", S.WAITLISTED, None, "form"),
}


@pytest.fixture()
def talk(make, db_session, clock):
    clock.set(END + timedelta(hours=1))
    centre = make.organization(slug="zentrum-nachrichten", name="Zentrum Nachrichten")
    event = make.event(organization=centre, title="Regionale Impulse", starts_at=START,
                       ends_at=END, online_join_url="https://zoom.example/j/123")
    people = {}
    for key, (first, email, language, region, status, attended, source) in PEOPLE.items():
        person = add_registration(db_session, event, first_name=first, email=email,
                                  last_name="Muster" if first else None, language=language,
                                  region_code=region, status=status, source=source,
                                  erased=key == "erased")
        if attended is not None:
            db_session.add(Attendance(registration_id=person.id, attended=attended,
                                      source=AttendanceSource.CHECK_IN))
        people[key] = person
    organizer = make.user(organization=centre, name="Olga Organisatorin",
                          email="olga@zentrum.example")
    db_session.commit()
    return SimpleNamespace(event=event, organizer=organizer, **people)
