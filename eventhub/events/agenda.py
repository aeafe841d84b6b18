"""Rules for an event's agenda items and speakers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventhub import audit
from eventhub.auth.models import User
from eventhub.errors import RuleViolation
from eventhub.events.models import AgendaItem, Event, Speaker
from eventhub.events.services import ensure_can_manage, local_to_utc
from eventhub.extensions import db
from eventhub.organizations import regions


@dataclass(frozen=True)
class AgendaData:
    title: str
    starts_local: datetime
    ends_local: datetime
    description: str = ""
    speaker_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class SpeakerData:
    name: str
    region_code: str
    role: str = ""
    organization_name: str = ""
    bio: str = ""


def _renumber(event: Event) -> None:
    ordered = sorted(event.agenda_items, key=lambda i: (i.starts_at, i.ends_at, i.id or 0))
    for position, item in enumerate(ordered):
        item.position = position


def _check_slot(event: Event, start: datetime, end: datetime, ignore: AgendaItem | None) -> None:
    if end <= start:
        raise RuleViolation(_l("The end must be after the start."), "ends_local")
    if start < event.starts_at or start >= event.ends_at:
        raise RuleViolation(_l("The item must start within the event's time."), "starts_local")
    if end > event.ends_at:
        raise RuleViolation(_l("The item must end by the end of the event."), "ends_local")
    for other in event.agenda_items:
        if other is ignore:
            continue
        if start < other.ends_at and other.starts_at < end:
            raise RuleViolation(_l("Overlaps with “%(title)s”.", title=other.title),
                                "starts_local")


def _speakers(event: Event, ids: list[int]) -> list[Speaker]:
    by_id = {s.id: s for s in event.speakers}
    if any(i not in by_id for i in ids):
        raise RuleViolation(_l("Choose speakers of this event only."), "speaker_ids")
    return [by_id[i] for i in ids]


def _apply_item(event: Event, item: AgendaItem, data: AgendaData) -> None:
    start = local_to_utc(data.starts_local, event.timezone, "starts_local")
    end = local_to_utc(data.ends_local, event.timezone, "ends_local")
    _check_slot(event, start, end, ignore=item)
    item.title = data.title.strip()
    item.description = data.description.strip()
    item.starts_at, item.ends_at = start, end
    item.speakers = _speakers(event, data.speaker_ids)


def add_item(actor: User, event: Event, data: AgendaData) -> AgendaItem:
    ensure_can_manage(actor, event)
    item = AgendaItem()
    _apply_item(event, item, data)
    event.agenda_items.append(item)
    _renumber(event)
    db.session.flush()
    audit.record(actor, "agenda.add", event=event, target=("agenda_item", item.id),
                 details={"title": item.title})
    return item


def update_item(actor: User, item: AgendaItem, data: AgendaData) -> AgendaItem:
    ensure_can_manage(actor, item.event)
    before = audit.snapshot(item, ("title", "description", "starts_at", "ends_at"))
    with db.session.no_autoflush:
        _apply_item(item.event, item, data)
    _renumber(item.event)
    db.session.flush()
    audit.record(actor, "agenda.update", event=item.event, target=("agenda_item", item.id),
                 details=audit.changes(before, item))
    return item


def delete_item(actor: User, item: AgendaItem) -> None:
    event = item.event
    ensure_can_manage(actor, event)
    audit.record(actor, "agenda.delete", event=event, target=("agenda_item", item.id),
                 details={"title": item.title})
    event.agenda_items.remove(item)
    _renumber(event)
    db.session.flush()


def move_item(actor: User, item: AgendaItem, direction: int) -> None:
    """Swap an item with its neighbour; the pair keeps its span, gap and durations.

    Positions follow the clock, so reordering a timed agenda means exchanging time slots:
    the item moved up starts where its neighbour started, the neighbour ends where the
    moved item ended.
    """
    event = item.event
    ensure_can_manage(actor, event)
    items = sorted(event.agenda_items, key=lambda i: i.position)
    index = items.index(item)
    other_index = index + (-1 if direction < 0 else 1)
    if not 0 <= other_index < len(items):
        return
    first, second = sorted((item, items[other_index]), key=lambda i: i.position)
    gap = second.starts_at - first.ends_at
    first_length = first.ends_at - first.starts_at
    second_length = second.ends_at - second.starts_at
    span_start = first.starts_at
    second.starts_at, second.ends_at = span_start, span_start + second_length
    first.starts_at = second.ends_at + gap
    first.ends_at = first.starts_at + first_length
    _renumber(event)
    db.session.flush()
    audit.record(actor, "agenda.move", event=event, target=("agenda_item", item.id),
                 details={"direction": "up" if direction < 0 else "down"})


def _check_region(code: str) -> None:
    if not regions.exists(code):
        raise RuleViolation(_l("Choose a region from the list."), "region_code")


def add_speaker(actor: User, event: Event, data: SpeakerData) -> Speaker:
    ensure_can_manage(actor, event)
    _check_region(data.region_code)
    position = max((s.position for s in event.speakers), default=-1) + 1
    speaker = Speaker(position=position)
    _apply_speaker(speaker, data)
    event.speakers.append(speaker)
    db.session.flush()
    audit.record(actor, "speaker.add", event=event, target=("speaker", speaker.id),
                 details={"name": speaker.name})
    return speaker


def _apply_speaker(speaker: Speaker, data: SpeakerData) -> None:
    speaker.name = data.name.strip()
    speaker.region_code = data.region_code
    speaker.role = data.role.strip()
    speaker.organization_name = data.organization_name.strip()
    speaker.bio = data.bio.strip()


def update_speaker(actor: User, speaker: Speaker, data: SpeakerData) -> Speaker:
    ensure_can_manage(actor, speaker.event)
    _check_region(data.region_code)
    before = audit.snapshot(speaker, ("name", "region_code", "role", "organization_name",
                                      "bio"))
    _apply_speaker(speaker, data)
    db.session.flush()
    audit.record(actor, "speaker.update", event=speaker.event, target=("speaker", speaker.id),
                 details=audit.changes(before, speaker))
    return speaker


def delete_speaker(actor: User, speaker: Speaker) -> None:
    ensure_can_manage(actor, speaker.event)
    audit.record(actor, "speaker.delete", event=speaker.event, target=("speaker", speaker.id),
                 details={"name": speaker.name})
    speaker.event.speakers.remove(speaker)
    db.session.flush()


def get_item(event: Event, item_id: int) -> AgendaItem | None:
    return db.session.scalar(select(AgendaItem).where(AgendaItem.id == item_id,
                                                      AgendaItem.event_id == event.id))


def get_speaker(event: Event, speaker_id: int) -> Speaker | None:
    return db.session.scalar(select(Speaker).where(Speaker.id == speaker_id,
                                                   Speaker.event_id == event.id))
