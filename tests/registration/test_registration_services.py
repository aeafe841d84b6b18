"""Registration rules on the services: capacity, waitlist, opt-in, closing, erasure."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventhub.errors import RuleViolation
from eventhub.events.models import EventStatus
from eventhub.mail import MessageStatus, OutboxMessage
from eventhub.registration import services, tokens
from eventhub.registration.models import Question, QuestionKind, Registration
from eventhub.registration.models import RegistrationStatus as S
from eventhub.timeutil import utcnow
from tests.registration.helpers import applicant


@pytest.fixture()
def now():
    return utcnow().replace(microsecond=0)


def _mails(db_session, registration) -> list[str]:
    return list(db_session.scalars(select(OutboxMessage.kind)
                                   .where(OutboxMessage.registration_id == registration.id)
                                   .order_by(OutboxMessage.id)))


def test_double_opt_in_holds_a_place_until_confirmed(make, db_session, now):
    event = make.event(capacity=1)
    first = services.register(event.id, applicant(), now).registration
    assert first.status is S.PENDING
    assert first.pending_expires_at == now + timedelta(hours=48)
    second = services.register(event.id, applicant(), now).registration
    assert second.status is S.WAITLISTED
    assert services.confirm(first, now) == "confirmed"
    assert first.status is S.CONFIRMED and first.email_verified_at == now
    assert _mails(db_session, first) == ["registration_pending", "registration_confirmed"]
    assert _mails(db_session, second) == ["registration_waitlisted"]


def test_without_double_opt_in_a_registration_is_confirmed_at_once(make, now):
    event = make.event(capacity=5, double_opt_in=False)
    registration = services.register(event.id, applicant(), now).registration
    assert registration.status is S.CONFIRMED and registration.confirmed_at == now


def test_unconfirmed_registrations_expire_and_free_their_place(make, db_session, now):
    event = make.event(capacity=1)
    late = services.register(event.id, applicant(), now).registration
    waiting = services.register(event.id, applicant(), now).registration
    assert waiting.status is S.WAITLISTED
    later = now + timedelta(hours=49)
    assert services.expire_all_overdue(later) == 1
    assert late.status is S.EXPIRED
    assert waiting.status is S.PENDING  # moved up; must still confirm the address
    assert _mails(db_session, waiting)[-1] == "registration_moved_up"
    assert services.confirm(late, later) == "inactive"


def test_a_full_event_releases_overdue_places_first_to_the_waitlist_then_to_a_newcomer(
        make, db_session, now):
    event = make.event(capacity=2)
    overdue = [services.register(event.id, applicant(), now).registration for _ in range(2)]
    waiting = services.register(event.id, applicant(), now).registration
    assert waiting.waitlist_number == 1
    later = now + timedelta(hours=49)  # both pending places are past their deadline

    newcomer = services.register(event.id, applicant(), later).registration

    assert [r.status for r in overdue] == [S.EXPIRED, S.EXPIRED]
    assert waiting.status is S.PENDING  # moved up first
    assert newcomer.status is S.PENDING  # the second freed place
    last = services.register(event.id, applicant(), later).registration
    assert (last.status, last.waitlist_number) == (S.WAITLISTED, 1)


def test_confirming_after_the_deadline_releases_the_place(make, now):
    event = make.event(capacity=1)
    registration = services.register(event.id, applicant(), now).registration
    assert services.confirm(registration, now + timedelta(hours=48, seconds=1)) == "expired"
    assert registration.status is S.EXPIRED


def test_a_verified_waitlisted_person_moves_up_confirmed(make, now):
    event = make.event(capacity=1)
    holder = services.register(event.id, applicant(), now).registration
    waiting = services.register(event.id, applicant(), now).registration
    assert services.confirm(waiting, now) == "waitlisted"
    services.cancel(holder, now)
    assert waiting.status is S.CONFIRMED


def test_waitlist_moves_up_in_order(make, now):
    event = make.event(capacity=1, double_opt_in=False)
    holder = services.register(event.id, applicant(), now).registration
    queue = [services.register(event.id, applicant(), now + timedelta(seconds=i)).registration
             for i in range(3)]
    assert [services.waitlist_position(r) for r in queue] == [1, 2, 3]
    services.cancel(holder, now)
    assert [r.status for r in queue] == [S.CONFIRMED, S.WAITLISTED, S.WAITLISTED]
    assert services.waitlist_position(queue[2]) == 2


def test_raising_capacity_promotes_from_the_waitlist(make, now):
    event = make.event(capacity=1, double_opt_in=False)
    people = [services.register(event.id, applicant(), now).registration for _ in range(4)]
    event.capacity = 3
    promoted = services.fill_free_places(event, now)
    assert promoted == people[1:3]
    assert [p.status for p in people] == [S.CONFIRMED] * 3 + [S.WAITLISTED]


def test_moving_up_by_hand_needs_a_free_place(make, now):
    event = make.event(capacity=1, double_opt_in=False)
    services.register(event.id, applicant(), now)
    waiting = services.register(event.id, applicant(), now).registration
    with pytest.raises(RuleViolation):
        services.move_up(event, waiting, now)
    assert waiting.status is S.WAITLISTED


def test_registering_again_creates_nothing_and_mails_the_existing_links(make, db_session,
                                                                        now):
    event = make.event()
    first = services.register(event.id, applicant(email="Anna@Example.org"), now)
    again = services.register(event.id, applicant(email=" anna@example.org "), now)
    assert again.created is False and again.registration is first.registration
    count = db_session.scalar(select(Registration.id).where(Registration.event_id == event.id)
                              .order_by(Registration.id.desc()))
    assert count == first.registration.id
    assert _mails(db_session, first.registration)[-1] == "registration_existing"


def test_a_cancelled_person_can_register_again_with_new_links(make, now):
    event = make.event(double_opt_in=False)
    registration = services.register(event.id, applicant(email="a@example.org"), now).registration
    old_token = tokens.make(registration, tokens.MANAGE)
    services.cancel(registration, now)
    outcome = services.register(event.id, applicant(email="a@example.org"), now)
    assert outcome.created and outcome.registration is registration
    assert registration.status is S.CONFIRMED
    with pytest.raises(tokens.InvalidToken):
        tokens.load(old_token, tokens.MANAGE)


def test_registering_again_after_cancelling_replaces_the_answers_and_queues_for_a_full_event(
        make, db_session, now):
    event = make.event(capacity=1, double_opt_in=False)
    question = Question(event_id=event.id, label="Thema?", kind=QuestionKind.SHORT_TEXT)
    db_session.add(question)
    db_session.flush()
    registration = services.register(
        event.id, applicant(email="a@example.org", answers={question.id: "KI"}), now
    ).registration
    services.cancel(registration, now)
    services.register(event.id, applicant(), now)  # takes the only place
    outcome = services.register(
        event.id, applicant(email="a@example.org", answers={question.id: "Cloud"}), now)
    assert outcome.created and outcome.registration is registration
    assert (registration.status, registration.waitlist_number) == (S.WAITLISTED, 1)
    db_session.expire(registration, ["answers"])
    assert [a.value for a in registration.answers] == ["Cloud"]
    assert _mails(db_session, registration) == [
        "registration_confirmed", "registration_cancelled", "registration_waitlisted"]


@pytest.mark.parametrize("change, reason", [
    ({"status": EventStatus.DRAFT}, "not_found"),
    ({"status": EventStatus.CANCELLED}, "cancelled"),
    ({"starts_at": -3, "ends_at": -2}, "past"),
    ({"registration_opens_at": 1}, "not_yet"),
    ({"registration_closes_at": -1}, "closed"),
])
def test_registration_outside_its_window_stores_nothing(make, db_session, now, change,
                                                        reason):
    kw = {k: (now + timedelta(hours=v) if isinstance(v, int) else v) for k, v in change.items()}
    event = make.event(**kw)
    with pytest.raises(services.RegistrationClosed) as closed:
        services.register(event.id, applicant(), now)
    assert closed.value.reason == reason
    assert db_session.scalar(select(Registration).where(Registration.event_id == event.id)) \
        is None


def test_consent_and_region_are_required(make, now):
    event = make.event()
    with pytest.raises(RuleViolation) as no_consent:
        services.register(event.id, applicant(consent=False), now)
    assert no_consent.value.field == "consent"
    with pytest.raises(RuleViolation) as bad_region:
        services.register(event.id, applicant(region_code="DE-XX"), now)
    assert bad_region.value.field == "region_code"


def test_consent_version_and_time_are_stored(app, make, now):
    event = make.event()
    registration = services.register(event.id, applicant(consent_version="3"),
                                      now).registration
    assert registration.consent_version == "3"
    assert registration.consented_at == now


def _question(db_session, event, kind, required=False, options=()):
    question = Question(event_id=event.id, label=f"Q {kind}", kind=kind, required=required,
                        options=list(options))
    db_session.add(question)
    db_session.flush()
    db_session.refresh(event)
    return question


def test_custom_answers_are_checked_and_stored(make, db_session, now):
    event = make.event()
    single = _question(db_session, event, QuestionKind.SINGLE_CHOICE, True, ["Ja", "Nein"])
    multi = _question(db_session, event, QuestionKind.MULTIPLE_CHOICE, False, ["A", "B", "C"])
    box = _question(db_session, event, QuestionKind.CHECKBOX)
    with pytest.raises(RuleViolation) as missing:
        services.register(event.id, applicant(answers={}), now)
    assert missing.value.field == f"q_{single.id}"
    with pytest.raises(RuleViolation) as outside:
        services.register(event.id, applicant(answers={single.id: "Ja", multi.id: ["D"]}), now)
    assert outside.value.field == f"q_{multi.id}"
    registration = services.register(event.id, applicant(
        answers={single.id: "Nein", multi.id: ["A", "C"], box.id: True}), now).registration
    assert {a.question_id: a.value for a in registration.answers} == {
        single.id: "Nein", multi.id: '["A", "C"]', box.id: "yes"}


def test_erasure_removes_personal_data_and_keeps_statistics(make, db_session, now):
    event = make.event(capacity=1, double_opt_in=False)
    registration = services.register(event.id, applicant(region_code="DE-TH"), now).registration
    waiting = services.register(event.id, applicant(), now).registration
    token = tokens.make(registration, tokens.MANAGE)
    sent = db_session.scalar(select(OutboxMessage)
                             .where(OutboxMessage.registration_id == registration.id))
    sent.status = MessageStatus.SENT
    services.erase(registration, now)
    assert (registration.email, registration.first_name, registration.last_name) == \
        (None, None, None)
    assert registration.region_code == "DE-TH" and registration.status is S.CANCELLED
    assert waiting.status is S.CONFIRMED
    # The unsent cancellation mail is gone; the sent confirmation keeps no address.
    assert _mails(db_session, registration) == ["registration_confirmed"]
    assert (sent.to_address, sent.body_text) == (None, "")
    with pytest.raises(tokens.InvalidToken):
        tokens.load(token, tokens.MANAGE)


def test_tokens_are_bound_to_purpose_and_registration(make, now):
    event = make.event()
    registration = services.register(event.id, applicant(), now).registration
    confirm = tokens.make(registration, tokens.CONFIRM)
    assert tokens.load(confirm, tokens.CONFIRM) is registration
    # One character of the signature replaced by another (never by itself).
    tampered = confirm[:-6] + ("A" if confirm[-6] != "A" else "B") + confirm[-5:]
    for bad, purpose in [(confirm, tokens.MANAGE), (tampered, tokens.CONFIRM),
                         ("garbage", tokens.MANAGE)]:
        with pytest.raises(tokens.InvalidToken) as invalid:
            tokens.load(bad, purpose)
        assert invalid.value.reason == "invalid"
