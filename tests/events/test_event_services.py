"""Event rules on the services directly: times and zones, content checks, permissions,
slugs, update/publish/cancel/duplicate, and the read-only queries behind the pages."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from eventhub.auth.models import Role
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.events import policy, queries
from eventhub.events.copies import CopyData, duplicate_event
from eventhub.events.models import AgendaItem, Event, EventFormat, EventStatus
from eventhub.events.queries import EventFilter
from eventhub.events.services import (
    EventData,
    cancel_event,
    create_event,
    publish_event,
    unique_slug,
    update_event,
)
from tests.factories import berlin

NOW = berlin(2027, 7, 1, 12)


@pytest.fixture()
def org(make):
    return make.organization()


@pytest.fixture()
def organizer(make, org):
    return make.user(organization=org)


def event_data(org, **kw) -> EventData:
    base = EventData(organization_id=org.id, title="Zukunft der Arbeit",
                     format=EventFormat.WEBINAR, starts_local=datetime(2027, 7, 15, 10),
                     ends_local=datetime(2027, 7, 15, 12))
    return replace(base, **kw)


def event_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Event))


def reloaded(db_session, obj):
    db_session.expire_all()
    return db_session.get(type(obj), obj.id)


# --- create: times, zones and content ---------------------------------------------------

@pytest.mark.parametrize("tz, local, utc", [
    ("Europe/Berlin", datetime(2027, 7, 15, 10), datetime(2027, 7, 15, 8)),
    ("Europe/Berlin", datetime(2027, 1, 15, 10), datetime(2027, 1, 15, 9)),
    ("Europe/Berlin", datetime(2027, 3, 28, 3, 30), datetime(2027, 3, 28, 1, 30)),
    ("America/New_York", datetime(2027, 7, 15, 10), datetime(2027, 7, 15, 14)),
    ("America/New_York", datetime(2027, 1, 15, 10), datetime(2027, 1, 15, 15)),
])
def test_create_event_stores_a_draft_in_utc(db_session, org, organizer, tz, local, utc):
    data = event_data(org, timezone=tz, starts_local=local,
                      ends_local=local + timedelta(hours=2))
    event = reloaded(db_session, create_event(organizer, data))
    assert event.starts_at == utc.replace(tzinfo=UTC)
    assert event.ends_at - event.starts_at == timedelta(hours=2)
    assert (event.status, event.timezone, event.created_by_id) == \
        (EventStatus.DRAFT, tz, organizer.id)
    assert (event.slug, event.title, event.organization_id) == \
        ("zukunft-der-arbeit", "Zukunft der Arbeit", org.id)


@pytest.mark.parametrize("changes, field", [
    ({"ends_local": datetime(2027, 7, 15, 10)}, "ends_local"),
    ({"ends_local": datetime(2027, 7, 15, 9)}, "ends_local"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": ""}, "timezone"),
    ({"format": EventFormat.HYBRID}, "venue"),
    ({"format": EventFormat.HYBRID, "venue": "   "}, "venue"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": -3}, "capacity"),
    ({"registration_opens_local": datetime(2027, 7, 10),
      "registration_closes_local": datetime(2027, 7, 9)}, "registration_closes_local"),
    ({"registration_opens_local": datetime(2027, 7, 10),
      "registration_closes_local": datetime(2027, 7, 10)}, "registration_closes_local"),
    ({"registration_closes_local": datetime(2027, 7, 15, 12, 1)},
     "registration_closes_local"),
    ({"registration_opens_local": datetime(2027, 7, 15, 12)}, "registration_opens_local"),
    ({"registration_opens_local": datetime(2027, 7, 16)}, "registration_opens_local"),
    ({"slug": "Nicht gültig"}, "slug"),
    ({"slug": "-kein-slug"}, "slug"),
])
def test_create_event_refuses_broken_input(db_session, org, organizer, changes, field):
    with pytest.raises(RuleViolation) as caught:
        create_event(organizer, event_data(org, **changes))
    assert caught.value.field == field
    assert event_count(db_session) == 0


@pytest.mark.parametrize("field", ["starts_local", "ends_local", "registration_opens_local",
                                   "registration_closes_local"])
@pytest.mark.parametrize("wall_clock", [datetime(2027, 3, 28, 2, 30),  # does not exist
                                        datetime(2027, 10, 31, 2, 30)])  # happens twice
def test_dst_gap_and_fold_are_refused_at_their_field(db_session, org, organizer, field,
                                                     wall_clock):
    day = wall_clock.replace(hour=0, minute=0)
    data = event_data(org, starts_local=day, ends_local=day + timedelta(hours=6),
                      registration_opens_local=day - timedelta(days=7),
                      registration_closes_local=day + timedelta(hours=1))
    with pytest.raises(RuleViolation) as caught:
        create_event(organizer, replace(data, **{field: wall_clock}))
    assert caught.value.field == field
    assert event_count(db_session) == 0


def test_gap_and_fold_get_different_explanations(org, organizer):
    messages = []
    for wall_clock in (datetime(2027, 3, 28, 2, 30), datetime(2027, 10, 31, 2, 30)):
        with pytest.raises(RuleViolation) as caught:
            create_event(organizer, event_data(org, starts_local=wall_clock))
        messages.append(str(caught.value.message))
    assert messages[0] != messages[1]


# --- permissions ---------------------------------------------------------------------------

def test_organizer_cannot_create_for_another_organization(db_session, make, organizer):
    with pytest.raises(NotPermitted):
        create_event(organizer, event_data(make.organization()))
    assert event_count(db_session) == 0


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_coordinator_and_admin_create_for_any_organization(db_session, make, org, role):
    actor = make.user(role=role, organization=make.organization())
    event = create_event(actor, event_data(org))
    assert reloaded(db_session, event).organization_id == org.id


def test_unknown_organization_is_a_form_error(db_session, make):
    admin = make.user(role=Role.ADMIN)
    with pytest.raises(RuleViolation) as caught:
        create_event(admin, EventData(organization_id=999_999, title="X",
                                      format=EventFormat.WEBINAR,
                                      starts_local=datetime(2027, 7, 15, 10),
                                      ends_local=datetime(2027, 7, 15, 11)))
    assert caught.value.field == "organization_id"
    assert event_count(db_session) == 0


@pytest.mark.parametrize("role, own_org, active, allowed", [
    (Role.ORGANIZER, True, True, True),
    (Role.ORGANIZER, False, True, False),
    (Role.ORGANIZER, True, False, False),
    (Role.COORDINATOR, False, True, True),
    (Role.ADMIN, False, True, True),
    (Role.COORDINATOR, False, False, False),
])
def test_policy_can_manage(make, org, role, own_org, active, allowed):
    actor = make.user(role=role, active=active,
                      organization=org if own_org else make.organization())
    event = make.event(organization=org)
    assert policy.can_manage_organization(actor, org.id) is allowed
    assert policy.can_manage_event(actor, event) is allowed


def test_anonymous_user_manages_nothing(org):
    assert policy.can_manage_organization(AnonymousUserMixin(), org.id) is False


# --- slugs -----------------------------------------------------------------------------------

def test_slugs_come_from_german_titles_and_stay_unique(org, organizer):
    slugs = [create_event(organizer, event_data(org, title="Über Änderungen")).slug
             for _ in range(3)]
    assert slugs == ["ueber-aenderungen", "ueber-aenderungen-2", "ueber-aenderungen-3"]
    assert create_event(organizer, event_data(org, title="Straße & Maß")).slug == \
        "strasse-mass"
    custom = create_event(organizer, event_data(org, slug="mein-termin"))
    assert custom.slug == "mein-termin"
    assert create_event(organizer, event_data(org, slug="mein-termin")).slug == \
        "mein-termin-2"


def test_unique_slug_keeps_the_length_limit_and_can_exclude_an_event(make):
    long_slug = "a" * 80
    event = make.event(slug=long_slug)
    candidate = unique_slug(long_slug)
    assert candidate == "a" * 78 + "-2"
    assert unique_slug(long_slug, exclude_id=event.id) == long_slug


def test_update_keeps_or_deduplicates_a_custom_slug(db_session, make, org, organizer):
    make.event(organization=org, slug="belegt")
    event = create_event(organizer, event_data(org, slug="mein-termin"))
    update_event(organizer, event, event_data(org, slug="mein-termin", title="Neu"))
    assert reloaded(db_session, event).slug == "mein-termin"
    update_event(organizer, event, event_data(org, slug="belegt"))
    assert reloaded(db_session, event).slug == "belegt-2"


# --- update ---------------------------------------------------------------------------------

@pytest.fixture()
def planned(make, org):
    """10:00–12:00 in Berlin with items 10:00–10:30 and 11:00–12:00."""
    event = make.event(organization=org, status=EventStatus.DRAFT,
                       starts_at=berlin(2027, 7, 15, 10), ends_at=berlin(2027, 7, 15, 12))
    make.agenda_item(event, starts_at=berlin(2027, 7, 15, 10),
                     ends_at=berlin(2027, 7, 15, 10, 30))
    make.agenda_item(event, starts_at=berlin(2027, 7, 15, 11), ends_at=berlin(2027, 7, 15, 12))
    return event


def agenda_times(db_session, event) -> list[tuple[datetime, datetime]]:
    return [(i.starts_at, i.ends_at) for i in db_session.scalars(
        select(AgendaItem).where(AgendaItem.event_id == event.id)
        .order_by(AgendaItem.position))]


def test_update_moves_the_agenda_with_the_start(db_session, org, organizer, planned):
    update_event(organizer, planned, event_data(
        org, title="Verschoben", starts_local=datetime(2027, 7, 16, 14),
        ends_local=datetime(2027, 7, 16, 17)))
    db_session.expire_all()
    assert (planned.title, planned.starts_at) == ("Verschoben", berlin(2027, 7, 16, 14))
    assert agenda_times(db_session, planned) == [
        (berlin(2027, 7, 16, 14), berlin(2027, 7, 16, 14, 30)),
        (berlin(2027, 7, 16, 15), berlin(2027, 7, 16, 16))]


@pytest.mark.parametrize("starts, ends", [
    (datetime(2027, 7, 15, 10), datetime(2027, 7, 15, 11, 30)),  # shortened
    (datetime(2027, 7, 16, 14), datetime(2027, 7, 16, 15, 30)),  # moved and shortened
])
def test_update_refuses_when_the_agenda_no_longer_fits(db_session, org, organizer, planned,
                                                       starts, ends):
    before = agenda_times(db_session, planned)
    with pytest.raises(RuleViolation) as caught:
        update_event(organizer, planned, event_data(org, starts_local=starts, ends_local=ends))
    assert caught.value.field == "ends_local"
    assert agenda_times(db_session, planned) == before
    assert planned.ends_at == berlin(2027, 7, 15, 12)


def test_cancelled_event_cannot_be_updated(db_session, org, organizer, planned):
    cancel_event(organizer, planned, NOW)
    with pytest.raises(RuleViolation):
        update_event(organizer, planned, event_data(org, title="Trotzdem geändert"))
    assert reloaded(db_session, planned).title != "Trotzdem geändert"


def test_organizer_cannot_move_an_event_to_another_organization(db_session, make, org,
                                                                 organizer, planned):
    with pytest.raises(NotPermitted):
        update_event(organizer, planned, event_data(make.organization()))
    assert reloaded(db_session, planned).organization_id == org.id


# --- publish, cancel, duplicate ---------------------------------------------------------

def test_publish_a_future_draft(db_session, organizer, planned):
    publish_event(organizer, planned, NOW)
    event = reloaded(db_session, planned)
    assert (event.status, event.published_at) == (EventStatus.PUBLISHED, NOW)


@pytest.mark.parametrize("status, ends_in", [
    (EventStatus.PUBLISHED, timedelta(days=1)),
    (EventStatus.CANCELLED, timedelta(days=1)),
    (EventStatus.DRAFT, timedelta(0)),
    (EventStatus.DRAFT, -timedelta(days=1)),
])
def test_publish_refuses_non_drafts_and_events_that_are_over(db_session, make, org, organizer,
                                                             status, ends_in):
    event = make.event(organization=org, status=status, starts_at=NOW + ends_in - timedelta(
        hours=2), ends_at=NOW + ends_in)
    with pytest.raises(RuleViolation):
        publish_event(organizer, event, NOW)
    assert reloaded(db_session, event).status is status


def test_publish_a_running_draft_is_allowed(make, org, organizer):
    event = make.event(organization=org, status=EventStatus.DRAFT,
                       starts_at=NOW - timedelta(hours=1), ends_at=NOW + timedelta(minutes=1))
    assert publish_event(organizer, event, NOW).status is EventStatus.PUBLISHED


def test_publish_and_cancel_need_permission(make, planned):
    stranger = make.user()
    for action in (publish_event, cancel_event):
        with pytest.raises(NotPermitted):
            action(stranger, planned, NOW)
    assert planned.status is EventStatus.DRAFT


def test_cancel_once_only(db_session, make, org, organizer):
    event = make.event(organization=org)
    cancel_event(organizer, event, NOW)
    assert (reloaded(db_session, event).status, event.cancelled_at) == \
        (EventStatus.CANCELLED, NOW)
    with pytest.raises(RuleViolation):
        cancel_event(organizer, event, NOW + timedelta(hours=1))
    assert reloaded(db_session, event).cancelled_at == NOW


def test_duplicate_copies_everything_into_a_new_draft(db_session, make, org, organizer):
    original = make.event(organization=org, slug="dialog", capacity=40, summary="Kurz",
                          starts_at=berlin(2027, 7, 15, 10),
                          registration_closes_at=berlin(2027, 7, 14))
    speakers = [make.speaker(original, name=n, region_code=r)
                for n, r in (("Anna", "DE-SN"), ("Ben", "DE-TH"))]
    make.agenda_item(original, title="Impulse", speakers=speakers)
    make.agenda_item(original, title="Fragen", starts_at=original.starts_at +
                     timedelta(hours=1), speakers=speakers[1:])
    before = [(i.id, i.title, [s.id for s in i.speakers]) for i in original.agenda_items]
    week = timedelta(days=7)

    copy = reloaded(db_session, duplicate_event(
        organizer, original, CopyData("Dialog (Kopie)", datetime(2027, 7, 22, 10)), NOW))
    assert (copy.slug, copy.status, copy.created_by_id, copy.title) == \
        ("dialog-2", EventStatus.DRAFT, organizer.id, "Dialog (Kopie)")
    for column in ("organization_id", "summary", "capacity", "timezone", "format"):
        assert getattr(copy, column) == getattr(original, column), column
    for column in ("starts_at", "ends_at", "registration_closes_at"):
        assert getattr(copy, column) == getattr(original, column) + week, column
    assert [(s.name, s.region_code) for s in copy.speakers] == \
        [("Anna", "DE-SN"), ("Ben", "DE-TH")]
    assert [(i.title, [s.name for s in i.speakers], i.starts_at) for i in copy.agenda_items] \
        == [(i.title, [s.name for s in i.speakers], i.starts_at + week)
            for i in original.agenda_items]
    assert all(s.event_id == copy.id for i in copy.agenda_items for s in i.speakers)
    original = reloaded(db_session, original)
    assert (original.slug, original.status) == ("dialog", EventStatus.PUBLISHED)
    assert [(i.id, i.title, [s.id for s in i.speakers]) for i in original.agenda_items] == before


def test_duplicate_needs_permission(db_session, make, planned):
    with pytest.raises(NotPermitted):
        duplicate_event(make.user(), planned, CopyData("Kopie", datetime(2027, 7, 22, 10)),
                        NOW)
    assert event_count(db_session) == 1


# --- queries ------------------------------------------------------------------------------

def titles(page) -> list[str]:
    return [e.title for e in page.items]


def test_upcoming_and_past_show_public_events_in_order(make, org):
    for title, status, start, hours in [
        ("past", EventStatus.PUBLISHED, NOW - timedelta(days=2), 2),
        ("ended-just-now", EventStatus.PUBLISHED, NOW - timedelta(hours=2), 2),
        ("running", EventStatus.PUBLISHED, NOW - timedelta(hours=1), 2),
        ("later", EventStatus.PUBLISHED, NOW + timedelta(days=3), 2),
        ("cancelled", EventStatus.CANCELLED, NOW + timedelta(days=1), 2),
        ("draft", EventStatus.DRAFT, NOW + timedelta(days=1), 2),
    ]:
        make.event(organization=org, title=title, status=status, starts_at=start,
                   ends_at=start + timedelta(hours=hours))
    upcoming = queries.upcoming(EventFilter(), NOW, 1, 10, "Europe/Berlin")
    past = queries.past(EventFilter(), NOW, 1, 10, "Europe/Berlin")
    assert titles(upcoming) == ["running", "cancelled", "later"]
    assert titles(past) == ["ended-just-now", "past"]
    second_page = queries.upcoming(EventFilter(), NOW, 2, 2, "Europe/Berlin")
    assert (titles(second_page), second_page.total) == (["later"], 3)


def test_filters_by_region_organization_and_format(make):
    saxony = make.organization(region_code="DE-SN", slug="zz-sn")
    thuringia = make.organization(region_code="DE-TH", slug="zz-th")
    start = NOW + timedelta(days=1)
    make.event(organization=saxony, title="sn-webinar", format=EventFormat.WEBINAR,
               starts_at=start)
    make.event(organization=saxony, title="sn-workshop", format=EventFormat.WORKSHOP,
               starts_at=start + timedelta(hours=3))
    make.event(organization=thuringia, title="th-webinar", format=EventFormat.WEBINAR,
               starts_at=start + timedelta(hours=6))

    def found(**kw) -> list[str]:
        return titles(queries.upcoming(EventFilter(**kw), NOW, 1, 10, "Europe/Berlin"))

    assert found(region="DE-SN") == ["sn-webinar", "sn-workshop"]
    assert found(organization="zz-th") == ["th-webinar"]
    assert found(format=EventFormat.WEBINAR) == ["sn-webinar", "th-webinar"]
    assert found(region="DE-SN", format=EventFormat.WEBINAR) == ["sn-webinar"]
    assert found(region="DE-BY") == []


@pytest.mark.parametrize("month, expected", [
    ((2026, 12), ["dec-last-evening"]),
    ((2027, 1), ["jan-first-night"]),
    ((2027, 3), ["mar-last-evening", "spanning"]),
    ((2027, 4), ["spanning", "apr-first-night"]),
    ((2027, 5), []),
])
def test_month_filter_uses_berlin_month_bounds(make, org, month, expected):
    # Around midnight at month ends, where the Berlin month and the UTC month differ.
    for title, start, minutes in [
        ("dec-last-evening", berlin(2026, 12, 31, 23, 0), 30),
        ("jan-first-night", berlin(2027, 1, 1, 0, 30), 30),
        ("mar-last-evening", berlin(2027, 3, 31, 23, 0), 30),
        ("spanning", berlin(2027, 3, 31, 23, 50), 20),
        ("apr-first-night", berlin(2027, 4, 1, 1, 30), 30),
    ]:
        make.event(organization=org, title=title, starts_at=start,
                   ends_at=start + timedelta(minutes=minutes))
    page = queries.upcoming(EventFilter(month=month), berlin(2026, 6, 1), 1, 10,
                            "Europe/Berlin")
    assert titles(page) == expected


def test_managed_events_are_restricted_per_actor(make, org, organizer):
    other = make.organization()
    make.event(organization=org, title="own-draft", status=EventStatus.DRAFT,
               starts_at=berlin(2027, 8, 1))
    make.event(organization=org, title="own-published", starts_at=berlin(2027, 7, 1))
    foreign = make.event(organization=other, title="foreign", starts_at=berlin(2027, 9, 1))
    coordinator = make.user(role=Role.COORDINATOR, organization=other)

    assert titles(queries.managed_events(organizer)) == ["own-draft", "own-published"]
    assert titles(queries.managed_events(organizer, status=EventStatus.DRAFT)) == ["own-draft"]
    assert titles(queries.managed_events(coordinator)) == \
        ["foreign", "own-draft", "own-published"]
    assert queries.managed_event(organizer, foreign.id) is None
    assert queries.managed_event(coordinator, foreign.id).title == "foreign"
