"""Agenda and speaker rules on the services directly (eventhub/events/agenda.py)."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from eventhub.errors import NotPermitted, RuleViolation
from eventhub.events import agenda
from eventhub.events.agenda import AgendaData, SpeakerData
from eventhub.events.models import AgendaItem, EventStatus, Speaker, agenda_item_speakers
from tests.factories import berlin


def at(hour: int, minute: int = 0) -> datetime:
    """A wall-clock time on the event's day in Berlin."""
    return datetime(2027, 7, 15, hour, minute)


def data(start: datetime, end: datetime, **kw) -> AgendaData:
    return AgendaData(title=kw.pop("title", "Programmpunkt"), starts_local=start,
                      ends_local=end, **kw)


@pytest.fixture()
def event(make):
    """15 July 2027, 10:00–12:00 in Berlin, no agenda yet."""
    return make.event(status=EventStatus.DRAFT, starts_at=berlin(2027, 7, 15, 10),
                      ends_at=berlin(2027, 7, 15, 12))


@pytest.fixture()
def organizer(make, event):
    return make.user(organization=event.organization)


def stored_agenda(db_session, event) -> list[tuple[str, int, datetime, datetime]]:
    db_session.expire_all()
    return [(i.title, i.position, i.starts_at, i.ends_at) for i in db_session.scalars(
        select(AgendaItem).where(AgendaItem.event_id == event.id).order_by(AgendaItem.position))]


def add(organizer, event, *slots):
    return [agenda.add_item(organizer, event, data(at(*a), at(*b), title=t))
            for t, a, b in slots]


# --- adding and changing items -------------------------------------------------------------

def test_add_item_inside_the_event(db_session, event, organizer):
    item = agenda.add_item(organizer, event, data(at(10, 15), at(11), title="  Impuls "))
    assert stored_agenda(db_session, event) == [
        ("Impuls", 0, berlin(2027, 7, 15, 10, 15), berlin(2027, 7, 15, 11))]
    assert item.event_id == event.id


@pytest.mark.parametrize("start, end, field", [
    (at(9, 30), at(10, 30), "starts_local"),   # begins before the event
    (at(12), at(12, 30), "starts_local"),      # begins when the event ends
    (at(11, 30), at(12, 1), "ends_local"),     # ends after the event
    (at(10, 30), at(10, 30), "ends_local"),    # no duration
    (at(11), at(10, 30), "ends_local"),        # ends before it starts
    (at(10, 45), at(11, 15), "starts_local"),  # overlaps the existing 10:30–11:00
    (at(10), at(12), "starts_local"),          # encloses it
    (at(10, 35), at(10, 50), "starts_local"),  # lies inside it
])
def test_add_item_refuses_slots_outside_or_overlapping(db_session, event, organizer,
                                                       start, end, field):
    add(organizer, event, ("Bestehend", (10, 30), (11,)))
    with pytest.raises(RuleViolation) as caught:
        agenda.add_item(organizer, event, data(start, end))
    assert caught.value.field == field
    assert [t for t, *_ in stored_agenda(db_session, event)] == ["Bestehend"]


def test_nonexistent_local_time_is_refused(db_session, make):
    event = make.event(starts_at=berlin(2027, 3, 28, 1), ends_at=berlin(2027, 3, 28, 5))
    organizer = make.user(organization=event.organization)
    with pytest.raises(RuleViolation) as caught:
        agenda.add_item(organizer, event, data(datetime(2027, 3, 28, 2, 30),
                                                datetime(2027, 3, 28, 3, 30)))
    assert caught.value.field == "starts_local"
    assert stored_agenda(db_session, event) == []


def test_back_to_back_items_are_allowed_and_positions_follow_the_clock(db_session, event,
                                                                      organizer):
    add(organizer, event, ("Mitte", (10, 30), (11,)), ("Ende", (11,), (12,)),
        ("Anfang", (10,), (10, 30)))
    assert [(t, p) for t, p, *_ in stored_agenda(db_session, event)] == \
        [("Anfang", 0), ("Mitte", 1), ("Ende", 2)]


def test_update_item_ignores_its_own_old_slot(db_session, event, organizer):
    first, second = add(organizer, event, ("A", (10,), (10, 30)), ("B", (11,), (11, 30)))
    agenda.update_item(organizer, first, data(at(10, 15), at(10, 45), title="A2"))
    agenda.update_item(organizer, second, data(at(11, 30), at(12), title="B2"))
    assert stored_agenda(db_session, event) == [
        ("A2", 0, berlin(2027, 7, 15, 10, 15), berlin(2027, 7, 15, 10, 45)),
        ("B2", 1, berlin(2027, 7, 15, 11, 30), berlin(2027, 7, 15, 12))]


def test_update_item_refuses_overlap_with_another_and_keeps_it(db_session, event, organizer):
    first, _ = add(organizer, event, ("A", (10,), (10, 30)), ("B", (11,), (11, 30)))
    before = stored_agenda(db_session, event)
    with pytest.raises(RuleViolation) as caught:
        agenda.update_item(organizer, first, data(at(10, 45), at(11, 15), title="A2"))
    assert caught.value.field == "starts_local"
    assert stored_agenda(db_session, event) == before


def test_update_item_moving_past_another_renumbers(db_session, event, organizer):
    first, _ = add(organizer, event, ("A", (10,), (10, 30)), ("B", (11,), (11, 30)))
    agenda.update_item(organizer, first, data(at(11, 30), at(12), title="A"))
    assert [(t, p) for t, p, *_ in stored_agenda(db_session, event)] == [("B", 0), ("A", 1)]


def test_items_link_speakers_of_their_own_event_only(db_session, make, event, organizer):
    own = make.speaker(event)
    foreign = make.speaker(make.event(organization=event.organization))
    item = agenda.add_item(organizer, event, data(at(10), at(11), speaker_ids=[own.id]))
    assert [s.id for s in item.speakers] == [own.id]
    for action, target in ((agenda.add_item, event), (agenda.update_item, item)):
        with pytest.raises(RuleViolation) as caught:
            action(organizer, target, data(at(11), at(12), speaker_ids=[own.id, foreign.id]))
        assert caught.value.field == "speaker_ids"
    db_session.expire_all()
    assert [(i.id, [s.id for s in i.speakers]) for i in event.agenda_items] == \
        [(item.id, [own.id])]


# --- moving and deleting ------------------------------------------------------------------

@pytest.fixture()
def three(organizer, event):
    """A 10:00–10:30, B 10:45–11:30 (after a 15-minute gap), C 11:30–12:00."""
    return add(organizer, event, ("A", (10,), (10, 30)), ("B", (10, 45), (11, 30)),
               ("C", (11, 30), (12,)))


@pytest.mark.parametrize("moved, direction", [("B", -1), ("A", +1)])
def test_move_exchanges_slots_keeping_span_gap_and_durations(db_session, event, organizer,
                                                             three, moved, direction):
    item = next(i for i in three if i.title == moved)
    agenda.move_item(organizer, item, direction)
    assert stored_agenda(db_session, event) == [
        ("B", 0, berlin(2027, 7, 15, 10), berlin(2027, 7, 15, 10, 45)),   # 45 min as before
        ("A", 1, berlin(2027, 7, 15, 11), berlin(2027, 7, 15, 11, 30)),   # after the gap
        ("C", 2, berlin(2027, 7, 15, 11, 30), berlin(2027, 7, 15, 12))]   # untouched


def test_move_down_the_middle_item_touches_only_its_neighbour(db_session, event, organizer,
                                                              three):
    agenda.move_item(organizer, three[1], +1)
    assert stored_agenda(db_session, event) == [
        ("A", 0, berlin(2027, 7, 15, 10), berlin(2027, 7, 15, 10, 30)),
        ("C", 1, berlin(2027, 7, 15, 10, 45), berlin(2027, 7, 15, 11, 15)),
        ("B", 2, berlin(2027, 7, 15, 11, 15), berlin(2027, 7, 15, 12))]


@pytest.mark.parametrize("index, direction", [(0, -1), (2, +1)])
def test_moving_beyond_either_end_changes_nothing(db_session, event, organizer, three,
                                                  index, direction):
    before = stored_agenda(db_session, event)
    agenda.move_item(organizer, three[index], direction)
    assert stored_agenda(db_session, event) == before


def test_delete_item_renumbers(db_session, event, organizer, three):
    agenda.delete_item(organizer, three[0])
    assert [(t, p) for t, p, *_ in stored_agenda(db_session, event)] == [("B", 0), ("C", 1)]


# --- speakers -----------------------------------------------------------------------------

def test_add_and_update_speakers(db_session, event, organizer):
    first = agenda.add_speaker(organizer, event, SpeakerData(name=" Anna Richter ",
                                                             region_code="DE-SN"))
    second = agenda.add_speaker(organizer, event, SpeakerData(name="Jens", region_code="DE-MV"))
    agenda.update_speaker(organizer, second, SpeakerData(
        name="Jens Petersen", region_code="DE-BB", role="Berater", bio=" Hafen "))
    db_session.expire_all()
    assert [(s.name, s.region_code, s.position, s.role, s.bio) for s in event.speakers] == [
        ("Anna Richter", "DE-SN", 0, "", ""), ("Jens Petersen", "DE-BB", 1, "Berater", "Hafen")]
    assert first.event_id == second.event_id == event.id


def test_unknown_region_is_refused(db_session, make, event, organizer):
    speaker = make.speaker(event, name="Anna", region_code="DE-SN")
    for action, target in ((agenda.add_speaker, event), (agenda.update_speaker, speaker)):
        with pytest.raises(RuleViolation) as caught:
            action(organizer, target, SpeakerData(name="Neu", region_code="DE-XX"))
        assert caught.value.field == "region_code"
    db_session.expire_all()
    assert [(s.name, s.region_code) for s in event.speakers] == [("Anna", "DE-SN")]


def test_deleting_a_speaker_removes_it_from_agenda_items(db_session, make, event, organizer):
    gone, stays = make.speaker(event), make.speaker(event)
    item = agenda.add_item(organizer, event, data(at(10), at(11),
                                                  speaker_ids=[gone.id, stays.id]))
    agenda.delete_speaker(organizer, gone)
    db_session.expire_all()
    assert [s.id for s in item.speakers] == [stays.id]
    assert [s.id for s in event.speakers] == [stays.id]
    assert db_session.get(Speaker, gone.id) is None
    assert db_session.scalar(select(func.count()).select_from(agenda_item_speakers)
                             .where(agenda_item_speakers.c.speaker_id == gone.id)) == 0


def test_agenda_and_speakers_need_permission(db_session, make, event, three):
    stranger, speaker = make.user(), make.speaker(event)
    before = stored_agenda(db_session, event)
    attempts = [lambda: agenda.add_item(stranger, event, data(at(10), at(10, 5))),
                lambda: agenda.update_item(stranger, three[0], data(at(10), at(10, 5))),
                lambda: agenda.move_item(stranger, three[1], -1),
                lambda: agenda.delete_item(stranger, three[0]),
                lambda: agenda.add_speaker(stranger, event, SpeakerData("X", "DE-SN")),
                lambda: agenda.delete_speaker(stranger, speaker)]
    for attempt in attempts:
        with pytest.raises(NotPermitted):
            attempt()
    assert stored_agenda(db_session, event) == before
    assert [s.id for s in event.speakers] == [speaker.id]
