"""The public registration pages, through the test client."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventhub.events.models import EventStatus
from eventhub.registration import antibot, tokens
from eventhub.registration.models import Registration
from eventhub.registration.models import RegistrationStatus as S
from eventhub.timeutil import utcnow
from tests.conftest import csrf_token_from
from tests.mail.conftest import joins_as, personal_join_links

VALID = {"first_name": "Anna", "last_name": "Schmidt", "email": "anna@example.org",
         "organization_name": "Tischlerei Schmidt", "organization_size": "1-9",
         "job_role": "Inhaberin", "region_code": "DE-SN", "consent": "y"}


def _url(event) -> str:
    return f"/veranstaltungen/{event.slug}/anmeldung"


def _form_data(**changes) -> dict:
    data = {**VALID, "started": antibot.stamp(utcnow() - timedelta(seconds=30))}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _registrations(db_session, event) -> list[Registration]:
    db_session.expire_all()
    return list(db_session.scalars(select(Registration)
                                   .where(Registration.event_id == event.id)))


def test_form_has_a_label_for_every_field(client, make):
    page = client.get(_url(make.event())).get_data(as_text=True)
    for name in VALID:
        field_id = re.search(rf'name="{name}"[^>]*id="([^"]+)"|id="([^"]+)"[^>]*name="{name}"',
                             page)
        assert field_id, name
        assert f'for="{field_id.group(1) or field_id.group(2)}"' in page, name


def test_valid_registration_redirects_to_thanks_and_stores(client, make, db_session):
    event = make.event()
    response = client.post(_url(event), data=_form_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{_url(event)}/danke")
    [registration] = _registrations(db_session, event)
    assert (registration.email, registration.status) == ("anna@example.org", S.PENDING)
    assert registration.language == "de"


def test_registering_in_english_is_remembered(client, make, db_session):
    event = make.event()
    client.post(_url(event) + "?lang=en", data=_form_data())
    assert _registrations(db_session, event)[0].language == "en"


def test_duplicate_answers_exactly_like_a_new_registration(client, make, db_session):
    event = make.event()
    first = client.post(_url(event), data=_form_data())
    second = client.post(_url(event), data=_form_data(first_name="Mallory"))
    assert (first.status_code, first.headers["Location"]) == \
        (second.status_code, second.headers["Location"])
    [registration] = _registrations(db_session, event)
    assert registration.first_name == "Anna"


def test_honeypot_submissions_are_dropped_silently(client, make, db_session):
    event = make.event()
    response = client.post(_url(event), data=_form_data(website="http://spam.example"))
    assert response.status_code == 302
    assert _registrations(db_session, event) == []


@pytest.mark.parametrize("started", ["", "forged-stamp", "now"])
def test_too_fast_or_unstamped_submissions_are_asked_again(client, make, db_session, started):
    event = make.event()
    stamp = antibot.stamp(utcnow()) if started == "now" else started
    response = client.post(_url(event) + "?lang=en", data=_form_data(started=stamp))
    assert response.status_code == 422
    assert "That was very quick" in response.get_data(as_text=True)
    assert 'value="Anna"' in response.get_data(as_text=True)  # nothing typed is lost
    assert _registrations(db_session, event) == []


@pytest.mark.parametrize("changes, field", [
    ({"first_name": ""}, "first_name"),
    ({"email": "not-an-address"}, "email"),
    ({"last_name": "x" * 10_000}, "last_name"),
    ({"region_code": "DE-XX"}, "region_code"),
    ({"organization_size": "huge"}, "organization_size"),
    ({"consent": None}, "consent"),
])
def test_bad_input_gives_field_errors_and_stores_nothing(client, make, db_session, changes,
                                                         field):
    event = make.event()
    response = client.post(_url(event), data=_form_data(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page
    assert _registrations(db_session, event) == []


def test_script_in_a_name_is_stored_as_text_and_escaped(client, make, db_session):
    event = make.event(double_opt_in=False)
    client.post(_url(event), data=_form_data(first_name="<script>alert(1)</script>"))
    [registration] = _registrations(db_session, event)
    page = client.get(f"/anmeldung/{tokens.make(registration, tokens.MANAGE)}")
    assert "<script>alert(1)</script>" not in page.get_data(as_text=True)
    assert "&lt;script&gt;" in page.get_data(as_text=True)


@pytest.mark.parametrize("change", [{"status": EventStatus.CANCELLED},
                                    {"status": EventStatus.DRAFT}, "past"])
def test_closed_events_store_nothing(client, make, db_session, change):
    now = utcnow()
    kw = {"starts_at": now - timedelta(hours=3), "ends_at": now - timedelta(hours=2)} \
        if change == "past" else change
    event = make.event(**kw)
    response = client.post(_url(event), data=_form_data())
    assert response.status_code in (404, 409)
    assert _registrations(db_session, event) == []


def _registered(client, make, db_session, **event_kw) -> Registration:
    event = make.event(**event_kw)
    client.post(_url(event), data=_form_data())
    return _registrations(db_session, event)[0]


def test_confirmation_link_needs_a_click_then_confirms(client, make, db_session):
    registration = _registered(client, make, db_session)
    url = f"/anmeldung/bestaetigen/{tokens.make(registration, tokens.CONFIRM)}"
    assert client.get(url).status_code == 200
    assert _registrations(db_session, registration.event)[0].status is S.PENDING
    response = client.post(url)
    assert response.status_code == 302
    assert _registrations(db_session, registration.event)[0].status is S.CONFIRMED


@pytest.mark.parametrize("path", ["/anmeldung/{t}", "/anmeldung/{t}/absagen",
                                  "/anmeldung/{t}/daten", "/anmeldung/bestaetigen/{t}"])
def test_tampered_tokens_get_a_clear_page_and_change_nothing(client, make, db_session, path):
    registration = _registered(client, make, db_session)
    token = tokens.make(registration, tokens.MANAGE)
    send = client.get if path == "/anmeldung/{t}" else client.post
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    for bad in (tampered, "x", tokens.make(registration, "other")):
        response = send(path.format(t=bad), data={"really": "y"})
        assert response.status_code == 400
        assert "<h1>" in response.get_data(as_text=True)
    assert _registrations(db_session, registration.event)[0].status is S.PENDING


def test_a_token_for_another_registration_opens_that_one_only(client, make, db_session):
    first = _registered(client, make, db_session)
    other = _registered(client, make, db_session)
    page = client.get(f"/anmeldung/{tokens.make(other, tokens.MANAGE)}").get_data(as_text=True)
    assert other.event.title in page and first.event.title not in page


def test_expired_confirmation_link_is_rejected(client, make, db_session, clock):
    registration = _registered(client, make, db_session)
    clock.set(utcnow() - timedelta(hours=49))  # links age by the app's clock, as all times
    old = tokens.make(registration, tokens.CONFIRM)
    clock.set(utcnow() + timedelta(hours=49))
    response = client.post(f"/anmeldung/bestaetigen/{old}?lang=en")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert _registrations(db_session, registration.event)[0].status is S.PENDING


def test_join_link_only_for_confirmed_participants(client, make, db_session):
    registration = _registered(client, make, db_session,
                               online_join_url="https://meet.example.org/secret-room")
    personal = f"/anmeldung/{tokens.make(registration, tokens.MANAGE)}"
    assert "secret-room" not in client.get(personal).get_data(as_text=True)
    client.post(f"/anmeldung/bestaetigen/{tokens.make(registration, tokens.CONFIRM)}")
    page = client.get(personal).get_data(as_text=True)
    # The personal join link (it records that the person came), never the shared address.
    [join] = set(personal_join_links(page))
    assert f'href="{join}"' in page and joins_as(join) == registration.id
    assert "secret-room" not in page
    assert "secret-room" not in client.get(f"/veranstaltungen/{registration.event.slug}") \
        .get_data(as_text=True)


def test_cancel_asks_first_then_frees_the_place(client, make, db_session):
    registration = _registered(client, make, db_session)
    url = f"/anmeldung/{tokens.make(registration, tokens.MANAGE)}/absagen"
    assert client.get(url).status_code == 200
    assert _registrations(db_session, registration.event)[0].status is S.PENDING
    assert client.post(url).status_code == 302
    assert _registrations(db_session, registration.event)[0].status is S.CANCELLED


def test_personal_data_can_be_seen_and_deleted(client, make, db_session):
    registration = _registered(client, make, db_session)
    url = f"/anmeldung/{tokens.make(registration, tokens.MANAGE)}/daten"
    page = client.get(url).get_data(as_text=True)
    assert "Tischlerei Schmidt" in page and "anna@example.org" in page
    assert client.post(url, data={}).status_code == 422  # the box must be ticked
    assert client.post(url, data={"really": "y"}).status_code == 200
    [erased] = _registrations(db_session, registration.event)
    assert erased.email is None and erased.organization_name is None
    assert erased.region_code == "DE-SN"
    assert client.get(url).status_code == 400


def test_event_page_offers_registration_or_the_waitlist(client, make, db_session):
    event = make.event(capacity=1, double_opt_in=False)
    page = client.get(f"/veranstaltungen/{event.slug}?lang=en").get_data(as_text=True)
    assert "Register now" in page
    client.post(_url(event), data=_form_data())
    page = client.get(f"/veranstaltungen/{event.slug}?lang=en").get_data(as_text=True)
    assert "Join the waiting list" in page
    assert db_session.scalar(select(func.count()).select_from(Registration)) >= 1


def _choice_question(db_session, event, kind, options, required=True):
    from eventhub.registration.models import Question, QuestionKind
    question = Question(event_id=event.id, label="Thema?", kind=QuestionKind(kind),
                        required=required, options=options)
    db_session.add(question)
    db_session.flush()
    return question


@pytest.mark.parametrize("kind, answer", [("single_choice", "Erfunden"),
                                          ("multiple_choice", ["KI", "Erfunden"]),
                                          ("single_choice", None)])
def test_answers_outside_the_choices_are_field_errors(client, make, db_session, kind, answer):
    event = make.event()
    question = _choice_question(db_session, event, kind, ["KI", "Cloud"])
    data = _form_data(**({f"q_{question.id}": answer} if answer else {}))
    response = client.post(_url(event), data=data)
    assert response.status_code == 422
    assert f'id="q_{question.id}-error"' in response.get_data(as_text=True)
    assert _registrations(db_session, event) == []


def test_answers_inside_the_choices_are_stored(client, make, db_session):
    event = make.event()
    question = _choice_question(db_session, event, "multiple_choice", ["KI", "Cloud"])
    response = client.post(_url(event), data=_form_data(**{f"q_{question.id}": ["KI",
                                                                                 "Cloud"]}))
    assert response.status_code == 302
    [registration] = _registrations(db_session, event)
    assert [a.value for a in registration.answers] == ['["KI", "Cloud"]']


def test_every_question_is_asked_in_order_and_every_answer_stored(client, make, db_session):
    """The event and its questions come in one joined statement: all rows, in order."""
    from eventhub.registration.models import Question, QuestionKind
    event = make.event()
    questions = [Question(event_id=event.id, label=label, kind=QuestionKind.SHORT_TEXT,
                          position=position)
                 for label, position in (("Dritte Frage", 3), ("Erste Frage", 1),
                                         ("Zweite Frage", 2))]
    db_session.add_all(questions)
    db_session.flush()

    page = client.get(_url(event)).get_data(as_text=True)
    positions = [page.index(label) for label in ("Erste Frage", "Zweite Frage",
                                                 "Dritte Frage")]
    assert positions == sorted(positions)

    answers = {f"q_{q.id}": f"Antwort {q.position}" for q in questions}
    assert client.post(_url(event), data=_form_data(**answers)).status_code == 302
    [registration] = _registrations(db_session, event)
    assert sorted(a.value for a in registration.answers) == \
        ["Antwort 1", "Antwort 2", "Antwort 3"]


@pytest.mark.parametrize("forged", [False, True])
def test_the_form_carries_a_csrf_token_that_the_post_needs(app, client, make, db_session,
                                                           monkeypatch, forged):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    event = make.event()
    page = client.get(_url(event)).get_data(as_text=True)
    token = "forged" if forged else csrf_token_from(page)
    response = client.post(_url(event), data=_form_data(csrf_token=token))
    assert response.status_code == (400 if forged else 302)
    assert len(_registrations(db_session, event)) == (0 if forged else 1)
