"""Feeds that calendar apps subscribe to: all public events, one organization's, one
region's (README: "Calendar").

What is in a feed: published events that ended at most CALENDAR_FEED_PAST_DAYS ago or have
not ended yet, and cancelled events for CALENDAR_FEED_CANCELLED_DAYS after the cancellation,
with STATUS:CANCELLED, so that a subscribed calendar shows the cancellation instead of
losing the entry without a word. Drafts never, cancelled or not (``Event.is_public``). Both
limits move once a day, at midnight UTC: a feed changes only when an event changes, or at
midnight.

Calendar apps poll feeds, often every few minutes, and nearly always nothing has changed:

- Version: one short statement gives id, UID and last change of each event in the feed and
  of its organization, joined into one string by the database. An event's ``updated_at``
  also moves when its agenda or speakers change (``events.models``), so this covers all the
  file shows. The built feed is kept in the process, one per feed and language, under a
  digest of that version and of the settings, and built again only when the digest changes.
- ETag: the SHA-256 of the bytes, strong whatever changed them (a new release too). A
  conditional request costs that statement, not a build.
- Last-Modified: the latest change to any event or organization, or the last midnight (UTC)
  if that is later. Coarse on purpose: an event that moved to another organization leaves
  no trace in its old feed, but it moves this date.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.orm import lazyload, selectinload

from eventhub import timeutil
from eventhub.calendar import ical, services
from eventhub.events.models import AgendaItem, Event, EventStatus, Speaker
from eventhub.extensions import db
from eventhub.organizations.models import Organization, Region

_CACHE = "eventhub.calendar.feeds"  # key in app.extensions


@dataclass(frozen=True)
class Scope:
    """Which events a feed holds: all public ones, one organization's or one region's."""

    organization: Organization | None = None
    region: Region | None = None

    @property
    def key(self) -> str:
        if self.organization is not None:
            return f"organization:{self.organization.slug}"
        if self.region is not None:
            return f"region:{self.region.code}"
        return "all"


@dataclass(frozen=True)
class Window:
    """The time limits of every feed, moved at midnight (UTC)."""

    moved_at: datetime
    ended_after: datetime  # events that ended before this are gone
    cancelled_after: datetime  # cancellations before this are gone

    @classmethod
    def at(cls, now: datetime, past_days: int, cancelled_days: int) -> Window:
        midnight = datetime.combine(timeutil.as_utc(now).date(), time(), tzinfo=UTC)
        return cls(midnight, midnight - timedelta(days=past_days),
                   midnight - timedelta(days=cancelled_days))


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str  # without quotes
    last_modified: datetime


@dataclass(frozen=True)
class _Built:
    digest: str
    body: bytes
    etag: str


def all_events() -> Scope:
    return Scope()


def organization_scope(slug: str) -> Scope | None:
    organization = db.session.scalar(select(Organization).where(Organization.slug == slug))
    return Scope(organization=organization) if organization is not None else None


def region_scope(code: str) -> Scope | None:
    region = db.session.get(Region, code)
    return Scope(region=region) if region is not None else None


def window(now: datetime) -> Window:
    config = current_app.config
    return Window.at(now, int(config["CALENDAR_FEED_PAST_DAYS"]),
                     int(config["CALENDAR_FEED_CANCELLED_DAYS"]))


def current(scope: Scope, language: str, now: datetime) -> Feed:
    """The feed as it is now: from the process's store if nothing changed, else built."""
    limits = window(now)
    context = services.feed_context(scope.organization, scope.region, language)
    version, latest = _state(scope, limits)
    digest = _digest(version, scope.key, context)
    store: dict[tuple[str, str], _Built] = current_app.extensions.setdefault(_CACHE, {})
    built = store.get((scope.key, language))
    if built is None or built.digest != digest:
        # Loaded after the version was read, so at least as new as the digest says: a
        # later change, which changes the digest, cannot hide behind these bytes.
        body = _body(scope, limits, context)
        built = _Built(digest, body, hashlib.sha256(body).hexdigest())
        store[(scope.key, language)] = built
    changed = max([limits.moved_at, *(value for value in latest if value is not None)])
    # min: a clock running ahead on another server must not date the feed in the future.
    return Feed(built.body, built.etag, min(changed, timeutil.as_utc(now)))


def build(scope: Scope, language: str, now: datetime) -> bytes:
    """The feed's bytes, always built afresh (one query for the events and one per related
    list, however many events)."""
    context = services.feed_context(scope.organization, scope.region, language)
    return _body(scope, window(now), context)


def _body(scope: Scope, limits: Window, context: services.FeedContext) -> bytes:
    return ical.build_calendar(events(scope, limits), context.settings, name=context.name,
                               refresh=context.refresh)


def _in_feed(query: Select, scope: Scope, limits: Window) -> Select:
    cancelled_at = func.coalesce(Event.cancelled_at, Event.updated_at)
    query = query.where(
        Event.ends_at >= limits.ended_after,
        Event.is_public,  # a draft cancelled before it was published was never announced
        or_(Event.status == EventStatus.PUBLISHED, cancelled_at >= limits.cancelled_after))
    if scope.organization is not None:
        query = query.where(Event.organization_id == scope.organization.id)
    if scope.region is not None:
        query = query.where(Event.organization_id.in_(
            select(Organization.id).where(Organization.region_code == scope.region.code)))
    return query


def events(scope: Scope, limits: Window) -> list[Event]:
    """The events of a feed, in order, with what the file shows of them: the organization
    joined (Event.organization is lazy="joined"), the agenda and its speakers in one query
    each, whatever the number of events. Speakers' regions are not shown: not loaded."""
    query = _in_feed(select(Event), scope, limits).order_by(Event.starts_at, Event.id).options(
        selectinload(Event.agenda_items).selectinload(AgendaItem.speakers)
        .options(lazyload(Speaker.region)))
    return list(db.session.scalars(query))


def _state(scope: Scope, limits: Window) -> tuple[list[str], tuple]:
    """In one statement: id, UID and last change of each event in the feed and of its
    organization (the version), and the latest change to any event and any organization
    (for Last-Modified). The database joins the version into one string: polling a feed of
    a thousand events then costs one short query, not a thousand rows."""
    version = (cast(Event.id, String) + " " + Event.uid + " " + cast(Event.updated_at, String)
               + " " + cast(Organization.updated_at, String))
    query = select(
        func.aggregate_strings(version, "|"),
        select(func.max(Event.updated_at)).correlate(None).scalar_subquery(),
        select(func.max(Organization.updated_at)).correlate(None).scalar_subquery(),
    ).select_from(Event).join(Organization, Event.organization_id == Organization.id)
    joined, *latest = db.session.execute(_in_feed(query, scope, limits)).one()
    return (joined.split("|") if joined else []), tuple(latest)


def _digest(version: list[str], scope_key: str, context: services.FeedContext) -> str:
    """Of the version, in any order (the database joins rows as it likes), and of all
    else that goes into the bytes."""
    digest = hashlib.sha256(repr((scope_key, context.key)).encode())
    digest.update("\n".join(sorted(version)).encode())
    return digest.hexdigest()
