"""A participant's whole journey by e-mail: register through the form, receive the mail on
a real SMTP server, follow its links, confirm, cancel; in German and in English."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from eventhub.mail import deliver_due
from eventhub.registration import antibot
from eventhub.registration.models import Registration
from eventhub.registration.models import RegistrationStatus as S
from eventhub.timeutil import utcnow
from tests.mail.conftest import body, personal_join_links


def _register(client, event, email, lang="de"):
    data = {"first_name": "Jana", "last_name": "Krause", "email": email,
            "organization_size": "10-49", "region_code": "DE-MV", "consent": "y",
            "started": antibot.stamp(utcnow() - timedelta(seconds=20))}
    response = client.post(f"/veranstaltungen/{event.slug}/anmeldung?lang={lang}", data=data)
    assert response.status_code == 302


def _deliver_and_read(smtp, to):
    deliver_due(utcnow() + timedelta(seconds=1))
    return [m for m in smtp.messages() if m["To"] == to]


def _link(message, path_part: str) -> str:
    url = re.search(rf"https?://\S+{path_part}\S+", body(message, "plain")).group(0)
    return urlsplit(url).path


def _payload(path: str) -> str:
    """What a signed link says (itsdangerous: payload.timestamp.signature)."""
    return path.rsplit("/", 1)[-1].split(".")[0]


@pytest.mark.parametrize("lang, subject_word, greeting", [
    ("de", "bestätigen", "Guten Tag"), ("en", "confirm", "Hello")])
def test_register_confirm_and_cancel_by_mail(client, make, smtp, db_session, lang,
                                             subject_word, greeting):
    event = make.event(title="Digitaltag-Dialog", capacity=1,
                       online_join_url="https://meet.example.org/room-42")
    _register(client, event, "jana@example.org", lang)
    [pending] = _deliver_and_read(smtp, "jana@example.org")
    assert subject_word in pending["Subject"].lower()
    assert greeting in body(pending, "plain")
    assert "room-42" not in body(pending, "plain")  # the join link only after confirming
    confirm_path = _link(pending, "/anmeldung/bestaetigen/")
    assert client.post(confirm_path).status_code == 302

    [_, confirmed] = _deliver_and_read(smtp, "jana@example.org")
    # The personal join link, in both parts; the shared address never.
    assert personal_join_links(body(confirmed, "plain"))
    assert personal_join_links(body(confirmed, "html"))
    assert "room-42" not in body(confirmed, "plain") + body(confirmed, "html")
    personal_path = _link(confirmed, "/anmeldung/")
    assert "Digitaltag-Dialog" in client.get(personal_path).get_data(as_text=True)
    assert client.post(personal_path + "/absagen").status_code == 302
    [*_, cancelled] = _deliver_and_read(smtp, "jana@example.org")
    assert cancelled["Subject"] != confirmed["Subject"]
    db_session.expire_all()
    status = db_session.scalar(select(Registration.status)
                               .where(Registration.email == "jana@example.org"))
    assert status is S.CANCELLED


def test_a_second_registration_mails_the_existing_links_to_the_owner(client, make, smtp):
    event = make.event()
    _register(client, event, "owner@example.org")
    _register(client, event, "owner@example.org")
    first, second = _deliver_and_read(smtp, "owner@example.org")
    assert first["Subject"] != second["Subject"]
    # The same link: the same registration and key (the token's time stamp is when each
    # mail was written, which may be a second apart).
    assert _payload(_link(first, "/anmeldung/bestaetigen/")) == \
        _payload(_link(second, "/anmeldung/bestaetigen/"))


def test_moving_up_from_the_waitlist_is_told_by_mail(client, make, smtp, db_session):
    event = make.event(capacity=1, double_opt_in=False)
    _register(client, event, "first@example.org")
    _register(client, event, "second@example.org")
    [first] = _deliver_and_read(smtp, "first@example.org")
    [waiting] = _deliver_and_read(smtp, "second@example.org")
    client.post(_link(first, "/anmeldung/") + "/absagen")
    [_, moved_up] = _deliver_and_read(smtp, "second@example.org")
    assert moved_up["Subject"] != waiting["Subject"]
    db_session.expire_all()
    assert db_session.scalar(select(Registration.status).where(
        Registration.email == "second@example.org")) is S.CONFIRMED
