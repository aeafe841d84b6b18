"""Calendar files and links for the app: configuration, texts and URLs for the pure
builder in ``ical``, the SEQUENCE each participant's copy carries, and the names and
subscription links of feeds (``feeds``)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from eventhub import links
from eventhub.calendar import deeplinks, ical
from eventhub.calendar.models import CalendarInvite
from eventhub.events.models import Event, EventStatus
from eventhub.extensions import db
from eventhub.organizations.models import Organization, Region
from eventhub.registration import personal_links, tokens
from eventhub.registration.models import Registration, RegistrationStatus


def organizer_email() -> str:
    """ORGANIZER's address: configured, or the address our mail comes from, which is what
    mail programs check before they offer to put an invitation into the calendar."""
    config = current_app.config
    return config["CALENDAR_ORGANIZER_EMAIL"] or parseaddr(config["MAIL_DEFAULT_SENDER"])[1]


def event_url(event: Event) -> str:
    return links.external_url("events.detail", slug=event.slug)


def settings(language: str) -> ical.Settings:
    with force_locale(language):
        texts = ical.Texts(agenda=_("Agenda"), event_page=_("Event page"),
                           join_online=_("Join online"), cancelled=_("Cancelled"))
    return ical.Settings(organizer_email=organizer_email(), event_url=event_url,
                         alarm_minutes=int(current_app.config["CALENDAR_ALARM_MINUTES"]),
                         texts=texts)


def public_ics(event: Event, language: str) -> bytes:
    """The download from the event page: no join link, ever."""
    return ical.build_calendar([event], settings(language))


def may_download_personal(registration: Registration) -> bool:
    return registration.status is RegistrationStatus.CONFIRMED and registration.event.is_public


def personal_ics(registration: Registration, now: datetime) -> bytes:
    """The participant's own file: their join link and the SEQUENCE of their invitations."""
    event = registration.event
    personal = ical.Personal(sequence=current_sequence(registration),
                             join_url=personal_join_url(registration))
    return ical.build_personal(event, settings(registration.language), personal, stamp=now,
                               method=ical.Method.PUBLISH)


def join_url(event: Event) -> str | None:
    """The event's own join address, if its participants may be led there now."""
    return event.join_url if event.status is EventStatus.PUBLISHED else None


def personal_join_url(registration: Registration) -> str | None:
    """What a participant's calendar entry carries: their own join link (``/j/<token>``,
    which records that they came), while the event has a join address to lead to."""
    if join_url(registration.event) is None:
        return None
    return personal_links.join_url(registration)


# -- SEQUENCE of personal copies -----------------------------------------------------------
#
# Each invitation to a person carries a SEQUENCE higher than every earlier one to them, and
# never lower than the event's. Calendars ignore a message whose SEQUENCE is not higher than
# what they have: without the ledger, a CANCEL after the participant cancelled (event's
# SEQUENCE + 1) would make the REQUEST of a later re-registration look outdated.

def _last_sent(registration: Registration) -> int | None:
    return db.session.scalar(select(func.max(CalendarInvite.sequence))
                             .where(CalendarInvite.registration_id == registration.id))


def last_sent(registration_ids: Iterable[int]) -> dict[int, int]:
    """The highest SEQUENCE sent so far to each of these registrations (none: not in it),
    in one query: what ``next_after`` needs for a whole batch of invitations."""
    return dict(db.session.execute(
        select(CalendarInvite.registration_id, func.max(CalendarInvite.sequence))
        .where(CalendarInvite.registration_id.in_(list(registration_ids)))
        .group_by(CalendarInvite.registration_id)).all())


def current_sequence(registration: Registration) -> int:
    last = _last_sent(registration)
    return max(registration.event.sequence, last if last is not None else 0)


def next_after(event: Event, last: int | None) -> int:
    """The SEQUENCE of the next invitation to someone whose last one carried ``last``."""
    return max(event.sequence, last + 1 if last is not None else 0)


# -- "Add to calendar" links ---------------------------------------------------------------

def add_links(event: Event, registration: Registration | None = None) -> dict[str, str]:
    """The .ics download, Google Calendar and Outlook.com, for the event page (public) or
    for one participant (their own file, and their join link in the details)."""
    if registration is None:
        ics_url = links.external_url("calendar.event_ics", slug=event.slug)
        personal_join = None
    else:
        ics_url = links.external_url("calendar.personal_ics",
                                     token=tokens.make(registration, tokens.MANAGE))
        personal_join = personal_join_url(registration)
    details = deeplinks.details(event, event_url(event), personal_join)
    location = event.venue or personal_join or ""
    return {"ics": ics_url,
            "google": deeplinks.google(event, details, location),
            "outlook": deeplinks.outlook(event, details, location)}


# -- feeds ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedContext:
    """Everything besides the events that goes into a feed's bytes."""

    settings: ical.Settings
    name: str
    refresh: timedelta

    @property
    def key(self) -> tuple:
        """What identifies it among feed versions (``event_url`` depends on BASE_URL)."""
        settings = self.settings
        return (self.name, self.refresh, settings.organizer_email, settings.alarm_minutes,
                settings.texts, current_app.config["BASE_URL"])


def feed_context(organization: Organization | None, region: Region | None,
                 language: str) -> FeedContext:
    minutes = int(current_app.config["CALENDAR_FEED_REFRESH_MINUTES"])
    return FeedContext(settings(language), feed_name(organization, region, language),
                       timedelta(minutes=minutes))


def feed_name(organization: Organization | None, region: Region | None,
              language: str) -> str:
    """The calendar's name in calendar apps: "Events in Saxony – eventhub"."""
    with force_locale(language):
        return f"{_feed_label(organization, region, language)} – eventhub"


def _feed_label(organization: Organization | None, region: Region | None,
                language: str) -> str:
    if organization is not None:
        return organization.name
    if region is not None:
        return _("Events in %(region)s", region=region.name(language))
    return _("All events")


@dataclass(frozen=True)
class FeedLink:
    label: str
    webcal: str  # opens the calendar app's subscription dialogue
    url: str  # the same address over HTTP(S), for "From URL" in Google Calendar


def feed_links(organization: Organization | None, region: Region | None,
               language: str) -> list[FeedLink]:
    """Subscriptions to offer: the organization's events, the region's, all events."""
    offered = []
    if organization is not None:
        offered.append(_feed_link(organization, None, language, "calendar.organization_feed",
                                slug=organization.slug))
    if region is not None:
        offered.append(_feed_link(None, region, language, "calendar.region_feed",
                                code=region.code))
    offered.append(_feed_link(None, None, language, "calendar.all_feed"))
    return offered


def _feed_link(organization: Organization | None, region: Region | None, language: str,
               endpoint: str, **values: str) -> FeedLink:
    # The language goes into the address: calendar apps send no cookie and no choice.
    if language != current_app.config["BABEL_DEFAULT_LOCALE"]:
        values["lang"] = language
    url = links.external_url(endpoint, **values)
    # webcal: the same address; clients fetch it over HTTPS where the site has it.
    return FeedLink(_feed_label(organization, region, language),
                    "webcal://" + url.split("://", 1)[1], url)
