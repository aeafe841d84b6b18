"""What each e-mail says, in German and English, as queued by the registration rules."""
from __future__ import annotations

from datetime import timedelta

import pytest

from eventhub.registration import services
from eventhub.registration.models import RegistrationStatus
from tests.factories import berlin
from tests.mail.conftest import joins_as, personal_join_links, rendered

JOIN_URL = "https://meet.example.org/j/4711?pwd=geheim&x=1"
# 18 June 2030 is a Tuesday in summer time; the app's clock is set well before it, so
# that registration is open whatever today's date is.
STARTS = berlin(2030, 6, 18, 10, 0)


@pytest.fixture(autouse=True)
def _registration_is_open(clock):
    clock.set(STARTS - timedelta(days=200))


@pytest.fixture()
def event(make):
    def _event(**kw):
        kw.setdefault("title", "Regionale Impulse")
        kw.setdefault("starts_at", STARTS)
        kw.setdefault("online_join_url", JOIN_URL)
        return make.event(**kw)
    return _event


def mails(db_session, kind: str):
    return [m for m in rendered(db_session) if m.kind == kind]


def only(db_session, kind: str):
    [message] = mails(db_session, kind)
    assert "None" not in message.body_text + message.body_html + message.subject
    return message


def test_pending_mail_asks_to_confirm_and_names_the_local_time(db_session, event, register):
    registration = register(event())

    message = only(db_session, "registration_pending")

    assert message.to_address == registration.email
    assert message.subject == "Bitte bestätigen Sie Ihre Anmeldung: Regionale Impulse"
    text = message.body_text
    assert text.startswith(f"Guten Tag {registration.full_name},\n\nvielen Dank")
    assert "Dienstag, 18. Juni 2030, 10:00–12:00 MESZ (Mitteleuropäische Sommerzeit)" in text
    assert "/anmeldung/bestaetigen/" in text and "48 Stunden" in text
    assert "\nhttp://127.0.0.1:5000/anmeldung/" in text  # the personal page
    assert JOIN_URL not in text + message.body_html  # only for confirmed participants
    assert 'href="http://127.0.0.1:5000/anmeldung/bestaetigen/' in message.body_html


def test_pending_mail_in_english(db_session, event, register):
    register(event(), language="en")

    message = only(db_session, "registration_pending")

    assert message.subject == "Please confirm your registration: Regionale Impulse"
    assert "Tuesday, June 18, 2030, 10:00–12:00 CEST (Central European Summer Time)" \
        in message.body_text
    assert "The link is valid for 48 hours." in message.body_text
    assert '<html lang="en">' in message.body_html


def test_confirmed_mail_carries_the_personal_join_link(db_session, event, register):
    registration = register(event(double_opt_in=False))

    message = only(db_session, "registration_confirmed")

    assert message.subject == "Anmeldung bestätigt: Regionale Impulse"
    [join] = personal_join_links(message.body_text)
    assert f"Ihr persönlicher Link zur Online-Teilnahme:\n{join}\n" in message.body_text
    assert joins_as(join) == registration.id
    assert f'href="{join}"' in message.body_html
    assert "meet.example.org" not in message.body_text + message.body_html  # shared address
    assert "/anmeldung/bestaetigen/" not in message.body_text  # the address is verified


def test_confirmed_mail_without_online_link_says_nothing_about_joining(db_session, event,
                                                                       register):
    register(event(double_opt_in=False, online_join_url=None, venue="Markt 1, Leipzig"))

    message = only(db_session, "registration_confirmed")

    assert "Online-Teilnahme" not in message.body_text
    assert "Veranstaltungsort: Markt 1, Leipzig" in message.body_text


def test_waitlisted_mail_offers_to_verify_the_address_meanwhile(db_session, event, register):
    full = event(capacity=1)
    register(full)
    register(full)

    message = only(db_session, "registration_waitlisted")

    assert message.subject == "Sie stehen auf der Warteliste: Regionale Impulse"
    assert "ausgebucht" in message.body_text
    assert "/anmeldung/bestaetigen/" in message.body_text
    assert JOIN_URL not in message.body_text


def test_moving_up_unverified_asks_to_confirm_within_the_deadline(db_session, event, register,
                                                                  now):
    full = event(capacity=1)
    first = register(full)
    second = register(full)

    services.cancel(first, now)

    message = only(db_session, "registration_moved_up")
    assert message.to_address == second.email
    assert second.status is RegistrationStatus.PENDING
    assert "innerhalb von 48 Stunden" in message.body_text
    assert "/anmeldung/bestaetigen/" in message.body_text
    assert JOIN_URL not in message.body_text


def test_moving_up_verified_confirms_and_gives_the_join_link(db_session, event, register,
                                                             now):
    full = event(capacity=1, double_opt_in=False)
    first = register(full)
    register(full, language="en")

    services.cancel(first, now)

    message = only(db_session, "registration_moved_up")
    assert message.subject == "A place has become free for you: Regionale Impulse"
    assert "Your registration is confirmed." in message.body_text
    [join] = personal_join_links(message.body_text)
    assert joins_as(join) == message.registration_id
    assert JOIN_URL not in message.body_text
    assert "/anmeldung/bestaetigen/" not in message.body_text


def test_registering_again_sends_the_existing_links(db_session, event, register):
    again = event()
    registration = register(again, email="erika@example.org")
    register(again, email="Erika@Example.org")

    message = only(db_session, "registration_existing")

    assert message.to_address == registration.email
    assert "vielleicht Sie selbst" in message.body_text
    assert "Ihre Anmeldung ist noch nicht bestätigt" in message.body_text
    assert "/anmeldung/bestaetigen/" in message.body_text


@pytest.mark.parametrize(("by_organizer", "sentence"), [
    (True, "das Veranstaltungsteam hat Ihre Anmeldung zu „Regionale Impulse“ storniert."),
    (False, "wie gewünscht haben wir Ihre Anmeldung zu „Regionale Impulse“ storniert."),
])
def test_cancellation_mail_says_who_cancelled(db_session, event, register, now, by_organizer,
                                              sentence):
    registration = register(event(double_opt_in=False))

    services.cancel(registration, now + timedelta(minutes=1), by_organizer=by_organizer)

    message = only(db_session, "registration_cancelled")
    assert message.subject == "Anmeldung storniert: Regionale Impulse"
    assert sentence in message.body_text
    assert JOIN_URL not in message.body_text


def test_titles_and_names_are_escaped_in_html_and_kept_in_plain_text(db_session, event,
                                                                     register):
    register(event(title="<script>alert(1)</script> & Co"), first_name="<b>Erika</b>")

    message = only(db_session, "registration_pending")

    assert "<script>" not in message.body_html and "<b>Erika" not in message.body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in message.body_html
    assert "&lt;b&gt;Erika&lt;/b&gt;" in message.body_html
    assert "„<script>alert(1)</script> & Co“" in message.body_text
    assert message.subject.endswith(": <script>alert(1)</script> & Co")


def test_multi_day_event_names_both_dates(db_session, event, register):
    register(event(ends_at=STARTS + timedelta(days=1, hours=7)), language="en")

    message = only(db_session, "registration_pending")

    assert "Tuesday, June 18, 2030, 10:00 CEST – Wednesday, June 19, 2030, 17:00 CEST" \
        in message.body_text


def test_winter_time_is_named_as_such(db_session, event, register):
    register(event(starts_at=berlin(2030, 12, 3, 18, 30)))

    message = only(db_session, "registration_pending")

    assert "18:30–20:30 MEZ (Mitteleuropäische Normalzeit)" in message.body_text


def test_subject_is_one_line(db_session, event, register):
    register(event(title="Digitaltag\n  2030\r\nBcc: x@example.org"))

    message = only(db_session, "registration_pending")

    assert message.subject == ("Bitte bestätigen Sie Ihre Anmeldung: "
                               "Digitaltag 2030 Bcc: x@example.org")

