"""The audit trail: one entry per action, with the right actor and fields, in the change's
transaction; participants by id only; the log pages and who sees what; retention."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventhub import timeutil
from eventhub.attendance import importing
from eventhub.audit import services as audit
from eventhub.audit.models import AuditEntry
from eventhub.auth import accounts
from eventhub.auth.models import Role
from eventhub.events import agenda, copies, services
from eventhub.events.models import EventFormat, EventStatus
from eventhub.legal import services as legal
from eventhub.legal.models import LegalKind
from eventhub.registration import questions
from eventhub.registration import services as registration
from eventhub.registration.models import QuestionKind, RegistrationStatus
from eventhub.reminders import services as reminders
from eventhub.reminders.models import ReminderKind
from tests.attendance.conftest import sample
from tests.factories import PASSWORD, berlin
from tests.registration.helpers import applicant

SECRET_NAME, SECRET_EMAIL = "Geheimname", "erika.geheim@example.org"


def _entries(db_session, **where) -> list[AuditEntry]:
    db_session.flush()
    query = select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return list(db_session.scalars(query))


def _only(db_session, action: str, **where) -> AuditEntry:
    [entry] = _entries(db_session, action=action, **where)
    return entry


@pytest.fixture()
def organizer(make):
    return make.user(name="Olga Organisatorin")


@pytest.fixture()
def event(make, organizer, clock):
    clock.set(berlin(2027, 7, 1, 9))
    return make.event(organization=organizer.organization, starts_at=berlin(2027, 7, 15, 10),
                      ends_at=berlin(2027, 7, 15, 12), capacity=1, double_opt_in=False)


def _event_data(event, **changes) -> services.EventData:
    data = {"organization_id": event.organization_id, "title": event.title,
            "format": event.format, "starts_local": timeutil.to_local(
                event.starts_at, event.timezone).replace(tzinfo=None),
            "ends_local": timeutil.to_local(event.ends_at, event.timezone).replace(tzinfo=None),
            "capacity": event.capacity, "double_opt_in": event.double_opt_in}
    return services.EventData(**{**data, **changes})


def test_event_use_cases_each_write_one_entry(db_session, organizer, event, clock):
    now = timeutil.utcnow()
    created = services.create_event(organizer, services.EventData(
        organization_id=organizer.organization_id, title="Neu", format=EventFormat.WEBINAR,
        starts_local=timeutil.to_local(event.starts_at, "Europe/Berlin").replace(tzinfo=None),
        ends_local=timeutil.to_local(event.ends_at, "Europe/Berlin").replace(tzinfo=None)))
    entry = _only(db_session, "event.create", event_id=created.id)
    assert (entry.actor_id, entry.actor_name, entry.organization_id) == \
        (organizer.id, "Olga Organisatorin", organizer.organization_id)
    services.update_event(organizer, event, _event_data(event, title="Umbenannt", capacity=5),
                          now=now)
    changed = _only(db_session, "event.update", event_id=event.id)
    assert changed.details["title"][1] == "Umbenannt"
    assert changed.details["capacity"] == [1, 5]
    assert set(changed.details) == {"title", "capacity"}
    services.publish_event(organizer, created, now)
    copy = copies.duplicate_event(organizer, event, copies.CopyData(
        title="Kopie", starts_local=timeutil.to_local(
            event.starts_at + timedelta(days=7), "Europe/Berlin").replace(tzinfo=None)), now)
    assert _only(db_session, "event.duplicate", event_id=copy.id).details[
        "source_event_id"] == event.id
    services.cancel_event(organizer, created, now)
    services.delete_draft(organizer, copy)
    for action, event_id in (("event.publish", created.id), ("event.cancel", created.id)):
        assert _only(db_session, action, event_id=event_id).actor_id == organizer.id
    # The deleted draft's entries keep its id as their target, not as their event: its id
    # may be given to a new event.
    deleted = _only(db_session, "event.delete", target_id=copy.id)
    assert (deleted.actor_id, deleted.event_id, deleted.details) == \
        (organizer.id, None, {"title": "Kopie"})


def test_agenda_speakers_questions_and_reminders_are_audited(db_session, organizer, event):
    start = timeutil.to_local(event.starts_at, event.timezone).replace(tzinfo=None)
    item = agenda.add_item(organizer, event, agenda.AgendaData(
        title="Begrüßung", starts_local=start, ends_local=start + timedelta(minutes=15)))
    agenda.update_item(organizer, item, agenda.AgendaData(
        title="Begrüßung und Einführung", starts_local=start,
        ends_local=start + timedelta(minutes=15)))
    speaker = agenda.add_speaker(organizer, event, agenda.SpeakerData("Dr. Vogt", "DE-TH"))
    agenda.update_speaker(organizer, speaker, agenda.SpeakerData("Prof. Vogt", "DE-TH"))
    agenda.delete_speaker(organizer, speaker)
    agenda.delete_item(organizer, item)
    question = questions.add_question(organizer, event, questions.QuestionData(
        "Ihre Frage", QuestionKind.SHORT_TEXT))
    questions.update_question(organizer, event, question, questions.QuestionData(
        "Ihre Frage an uns", QuestionKind.SHORT_TEXT))
    questions.delete_question(organizer, event, question)
    rule = reminders.add_rule(event, reminders.RuleData(ReminderKind.BEFORE_START, 60),
                              actor=organizer)
    reminders.update_rule(rule, reminders.RuleData(ReminderKind.BEFORE_START, 120),
                          actor=organizer)
    reminders.delete_rule(rule, actor=organizer)
    actions = [e.action for e in _entries(db_session, event_id=event.id,
                                          actor_id=organizer.id)]
    assert actions == ["agenda.add", "agenda.update", "speaker.add", "speaker.update",
                       "speaker.delete", "agenda.delete", "question.add", "question.update",
                       "question.delete", "reminder.add", "reminder.update",
                       "reminder.delete"]
    assert _only(db_session, "agenda.update").details == {
        "title": ["Begrüßung", "Begrüßung und Einführung"]}
    assert _only(db_session, "reminder.update").details == {"offset_minutes": [60, 120]}
    assert {e.actor_id for e in _entries(db_session, event_id=event.id)} == {organizer.id}


def _participant(db_session, event, **kw):
    outcome = registration.register(event.id, applicant(
        email=kw.pop("email", SECRET_EMAIL), first_name="Erika", last_name=SECRET_NAME, **kw),
        timeutil.utcnow())
    db_session.flush()
    return outcome.registration


def test_registration_actions_name_the_participant_by_id_only(
        db_session, login, organizer, event, make):
    client = login(organizer)
    base = f"/verwaltung/veranstaltungen/{event.id}/anmeldungen"
    first = _participant(db_session, event)  # takes the only place
    waiting = _participant(db_session, event, email="zweite@example.org")
    assert waiting.status is RegistrationStatus.WAITLISTED
    added = client.post(base + "/neu", data={
        "first_name": "Hand", "last_name": SECRET_NAME, "email": "hand@example.org",
        "organization_size": "1-9", "region_code": "DE-SN", "language": "de"})
    assert added.status_code == 302
    event.capacity = 3  # a free place, without moving anyone up by itself
    db_session.flush()
    assert client.post(f"{base}/{waiting.id}/nachruecken").status_code == 302
    assert client.post(f"{base}/{first.id}/absagen").status_code == 302
    client.post(f"/verwaltung/veranstaltungen/{event.id}/teilnahme",
                data={"mark": f"attended:{waiting.id}"})
    export = client.get(f"{base}/export.csv?q=Erika")
    assert export.status_code == 200
    entries = {e.action: e for e in _entries(db_session, event_id=event.id)}
    assert entries["registration.cancel"].target_id == first.id
    assert entries["registration.move_up"].target_id == waiting.id
    assert entries["registration.add"].target_type == "registration"
    assert (entries["registration.check_in"].target_id,
            entries["registration.check_in"].details) == (waiting.id, {"attended": True})
    assert entries["export.registrations"].details == {
        "format": "csv", "filters": {"q": "Erika"}}
    assert all(e.actor_id == organizer.id for e in entries.values())
    everything = json.dumps([[e.actor_name, e.details, e.target_type]
                             for e in _entries(db_session)], ensure_ascii=False)
    assert SECRET_NAME not in everything and "Erika" not in everything.replace(
        '"q": "Erika"', "")
    assert SECRET_EMAIL not in everything and "hand@example.org" not in everything


def test_check_in_and_an_applied_import_are_audited(db_session, make, organizer, clock):
    clock.set(berlin(2026, 11, 21, 18))
    event = make.event(organization=organizer.organization,
                       starts_at=berlin(2026, 11, 21, 10), ends_at=berlin(2026, 11, 21, 12))
    record, _ = importing.upload(event, "bericht.csv", sample("generic_utf8_bom.csv"),
                                 organizer, timeutil.utcnow())
    importing.apply(record, event, set(), organizer, timeutil.utcnow())
    entry = _only(db_session, "attendance.import_applied", event_id=event.id)
    assert entry.actor_id == organizer.id and entry.target_id == record.id
    assert set(entry.details) == {"matched", "walk_ins"}


def test_logins_failed_logins_and_logouts(client, make, db_session):
    user = make.user()
    client.post("/login", data={"email": user.email, "password": "wrong-password"})
    client.post("/login", data={"email": "unknown@example.org", "password": "x" * 12})
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    client.post("/logout")
    failed = _entries(db_session, action="auth.login_failed")
    assert [(e.target_id, e.details["reason"]) for e in failed[-2:]] == \
        [(user.id, "password"), (None, "unknown")]
    assert "unknown@example.org" not in json.dumps([e.details for e in failed])
    assert _only(db_session, "auth.login", actor_id=user.id).organization_id == \
        user.organization_id
    assert _only(db_session, "auth.logout", actor_id=user.id)


def test_account_and_legal_administration_is_audited(db_session, make):
    admin = make.user(role=Role.ADMIN, name="Ada")
    invited = accounts.invite(admin, email="neu@example.org", name="Neu",
                              role=Role.COORDINATOR, organization=None, language="de",
                              now=timeutil.utcnow())
    accounts.update(admin, invited, name="Neu", role=Role.ADMIN, organization=None)
    accounts.deactivate(admin, invited)
    accounts.reactivate(admin, invited)
    legal.publish(admin, LegalKind.IMPRINT, body_de="Impressum", body_en="",
                  now=timeutil.utcnow())
    actions = [(e.action, e.target_id) for e in _entries(db_session, actor_id=admin.id)]
    assert actions == [("account.invite", invited.id), ("account.update", invited.id),
                       ("account.deactivate", invited.id),
                       ("account.reactivate", invited.id),
                       ("legal.publish", actions[-1][1])]
    assert _only(db_session, "account.update").details == {"role": ["coordinator", "admin"]}


def test_a_rolled_back_change_leaves_no_entry(db_session, organizer, event, login):
    client = login(organizer)
    response = client.post(f"/verwaltung/veranstaltungen/{event.id}/bearbeiten",
                           data={"title": "", "organization_id": str(event.organization_id)})
    assert response.status_code == 422
    assert _entries(db_session, action="event.update") == []


# -- the log pages ------------------------------------------------------------------------

@pytest.fixture()
def two_centres(make, db_session):
    mine, other = make.user(), make.user()
    audit.record(mine, "event.create", timeutil.utcnow(),
                 organization_id=mine.organization_id, details={"title": "Unseres"})
    audit.record(other, "event.create", timeutil.utcnow(),
                 organization_id=other.organization_id, details={"title": "Fremdes"})
    db_session.flush()
    return mine, other


@pytest.mark.parametrize("who, sees_own, sees_other", [
    ("organizer", True, False), ("coordinator", True, True), ("admin", True, True)])
def test_who_reads_which_entries(login, make, two_centres, who, sees_own, sees_other):
    mine, _ = two_centres
    viewer = {"organizer": mine, "coordinator": make.user(role=Role.COORDINATOR),
              "admin": make.user(role=Role.ADMIN)}[who]
    page = login(viewer).get("/verwaltung/protokoll/").get_data(as_text=True)
    assert ("Unseres" in page) == sees_own
    assert ("Fremdes" in page) == sees_other


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/verwaltung/protokoll/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_log_filters_by_kind_organization_and_date(login, make, two_centres, clock):
    mine, other = two_centres
    client = login(make.user(role=Role.ADMIN))
    by_org = client.get(f"/verwaltung/protokoll/?organization={other.organization_id}")
    assert "Fremdes" in by_org.get_data(as_text=True)
    assert "Unseres" not in by_org.get_data(as_text=True)
    logins = client.get("/verwaltung/protokoll/?category=auth").get_data(as_text=True)
    assert "Unseres" not in logins
    tomorrow = (timeutil.to_local(timeutil.utcnow(), "Europe/Berlin") + timedelta(days=1))
    later = client.get(f"/verwaltung/protokoll/?since={tomorrow.date().isoformat()}")
    assert "Unseres" not in later.get_data(as_text=True)


@pytest.mark.parametrize("query", ["since=0001-01-01", "until=2026-13-01",
                                   "organization=99999999999999999999", "category=nope",
                                   "since=2027-01-02&until=2027-01-01", "page=-1"])
def test_bad_filters_get_a_message_not_an_error(login, make, query):
    response = login(make.user(role=Role.ADMIN)).get(f"/verwaltung/protokoll/?{query}")
    assert response.status_code in (200, 422)


def test_an_organizer_cannot_filter_for_another_centre(login, two_centres):
    mine, other = two_centres
    response = login(mine).get(f"/verwaltung/protokoll/?organization={other.organization_id}")
    assert response.status_code == 422
    assert "Fremdes" not in response.get_data(as_text=True)


def test_the_event_history_shows_its_entries(login, organizer, event, db_session):
    services.publish_event(organizer, event, timeutil.utcnow()) if \
        event.status is EventStatus.DRAFT else None
    services.update_event(organizer, event, _event_data(event, capacity=9))
    db_session.flush()
    page = login(organizer).get(f"/verwaltung/veranstaltungen/{event.id}/verlauf?lang=en")
    assert page.status_code == 200
    assert "Event changed" in page.get_data(as_text=True)


def test_entries_older_than_the_retention_period_are_purged(db_session, make):
    user = make.user()
    now = timeutil.utcnow()
    audit.record(user, "auth.login", now - timedelta(days=731))
    audit.record(user, "auth.login", now - timedelta(days=10))
    db_session.flush()
    assert audit.purge(now, 730) == 1
    assert len(_entries(db_session, actor_id=user.id)) == 1
