"""Feeds that calendar apps subscribe to: which events each holds, what a subscribed calendar
reads from it (icalendar, vobject, and a real CalDAV server), and how polling is answered."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from eventhub import timeutil
from eventhub.calendar import feeds, ical
from eventhub.events import agenda
from eventhub.events import services as event_services
from eventhub.events.models import EventStatus
from tests.calendar.conftest import JOIN_URL, STARTS
from tests.calendar.helpers import event_data, lines, parse

ALL = "/kalender/veranstaltungen.ics"


def org_path(organization) -> str:
    return f"/kalender/veranstalter/{organization.slug}.ics"


def region_path(code: str) -> str:
    return f"/kalender/region/{code}.ics"


def meanings(raw: bytes) -> dict[str, dict]:
    """Per UID, what a calendar shows, as icalendar and vobject (through our VTIMEZONEs)
    read it; both parsers must agree on every event."""
    parsed = parse(raw)
    by_vobject = {v.uid.value: v for v in getattr(parsed.vobj, "vevent_list", [])}
    found = {}
    for vevent in parsed.ical.walk("VEVENT"):
        start = vevent.decoded("DTSTART")
        other = by_vobject.pop(str(vevent["UID"]))
        assert other.dtstart.value.astimezone(UTC) == start.astimezone(UTC)
        assert other.summary.value == vevent["SUMMARY"]
        found[str(vevent["UID"])] = {
            "local": start.replace(tzinfo=None), "tzid": vevent["DTSTART"].params.get("TZID"),
            "utc": start.astimezone(UTC), "summary": str(vevent["SUMMARY"]),
            "status": str(vevent["STATUS"]), "sequence": int(vevent["SEQUENCE"])}
    assert not by_vobject
    return found


def uids(raw: bytes) -> set[str]:
    return set(meanings(raw))


def organizer_of(make, event):
    return make.user(organization=event.organization)


# -- what each feed holds ------------------------------------------------------------------

@pytest.fixture()
def landscape(make, event):
    """Two centres in Saxony, one in Bavaria, and events of every kind."""
    saxony_a = make.organization(region_code="DE-SN")
    saxony_b = make.organization(region_code="DE-SN")
    bavaria = make.organization(region_code="DE-BY")
    now = timeutil.utcnow()
    events = {
        "a1": event(organization=saxony_a),
        "a2": event(organization=saxony_a, starts_at=STARTS + timedelta(days=7)),
        "b1": event(organization=saxony_b),
        "c1": event(organization=bavaria),
        "c_recent": event(organization=bavaria, starts_at=now - timedelta(days=10)),
        "a_draft": event(organization=saxony_a, status=EventStatus.DRAFT, title="Entwurf"),
        "a_old": event(organization=saxony_a, starts_at=now - timedelta(days=120)),
    }
    return {"orgs": (saxony_a, saxony_b, bavaria),
            "uid": {name: e.uid for name, e in events.items()}}


def test_each_feed_holds_exactly_its_events(client, landscape):
    saxony_a, saxony_b, bavaria = landscape["orgs"]
    uid = landscape["uid"]

    def holds(path, *names):
        response = client.get(path)
        assert response.status_code == 200
        assert uids(response.data) == {uid[name] for name in names}

    holds(ALL, "a1", "a2", "b1", "c1", "c_recent")
    holds(org_path(saxony_a), "a1", "a2")
    holds(org_path(saxony_b), "b1")
    holds(org_path(bavaria), "c1", "c_recent")
    holds(region_path("DE-SN"), "a1", "a2", "b1")
    holds(region_path("DE-BY"), "c1", "c_recent")
    holds(region_path("DE-HB"))  # a region without centres: an empty calendar


def test_unknown_organizations_and_regions_are_not_found(client):
    assert client.get("/kalender/veranstalter/gibt-es-nicht.ics").status_code == 404
    assert client.get(region_path("DE-XX")).status_code == 404
    assert client.get(region_path("../DE-SN")).status_code == 404


def test_drafts_never_appear(client, landscape, make, event):
    saxony_a = landscape["orgs"][0]
    event(organization=saxony_a, status=EventStatus.DRAFT, title="Geheimer Entwurf",
          starts_at=timeutil.utcnow() + timedelta(days=2))
    for path in (ALL, org_path(saxony_a), region_path("DE-SN")):
        raw = client.get(path).data
        assert landscape["uid"]["a_draft"] not in uids(raw)
        assert b"Entwurf" not in raw


def _build(app, scope, now, language="de") -> bytes:
    with app.test_request_context():
        return feeds.build(scope, language, now)


def test_past_events_stay_for_the_configured_days(app, event, monkeypatch):
    e = event(starts_at=datetime(2030, 3, 5, 9, tzinfo=UTC))
    ended = e.ends_at
    scope = feeds.all_events()
    assert e.uid in uids(_build(app, scope, ended + timedelta(days=89)))
    assert e.uid not in uids(_build(app, scope, ended + timedelta(days=91)))
    monkeypatch.setitem(app.config, "CALENDAR_FEED_PAST_DAYS", 7)
    assert e.uid not in uids(_build(app, scope, ended + timedelta(days=8)))


def test_cancelled_events_stay_marked_for_30_days_then_vanish(app, event, make, monkeypatch):
    e = event(starts_at=datetime(2031, 1, 14, 9, tzinfo=UTC))
    cancelled = datetime(2030, 5, 4, 16, 30, tzinfo=UTC)
    event_services.cancel_event(organizer_of(make, e), e, cancelled)
    scope = feeds.organization_scope(e.organization.slug)

    for days in (0, 1, 29, 30):
        shown = meanings(_build(app, scope, cancelled + timedelta(days=days)))[e.uid]
        assert shown["status"] == "CANCELLED" and shown["sequence"] == 1
        assert shown["summary"] == "Abgesagt: Regionale Impulse"
    assert e.uid not in uids(_build(app, scope, cancelled + timedelta(days=31)))

    monkeypatch.setitem(app.config, "CALENDAR_FEED_CANCELLED_DAYS", 7)
    assert e.uid in uids(_build(app, scope, cancelled + timedelta(days=6)))
    assert e.uid not in uids(_build(app, scope, cancelled + timedelta(days=8)))


def test_a_cancellation_reaches_the_feed_at_once(client, event, make):
    e = event()
    assert meanings(client.get(ALL).data)[e.uid]["status"] == "CONFIRMED"

    event_services.cancel_event(organizer_of(make, e), e, timeutil.utcnow())

    assert meanings(client.get(ALL).data)[e.uid]["status"] == "CANCELLED"


# -- what a subscribed calendar reads --------------------------------------------------------

def test_a_feed_is_a_named_calendar_with_a_refresh_interval(client, landscape):
    response = client.get(region_path("DE-SN"))

    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.data)
    assert calendar["X-WR-CALNAME"] == calendar["NAME"] == "Veranstaltungen in Sachsen – eventhub"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar.decoded("REFRESH-INTERVAL") == timedelta(hours=1)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.data
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in response.data
    english = icalendar.Calendar.from_ical(client.get(region_path("DE-SN") + "?lang=en").data)
    assert english["X-WR-CALNAME"] == "Events in Saxony – eventhub"
    assert icalendar.Calendar.from_ical(client.get(ALL).data)["NAME"] == \
        "Alle Veranstaltungen – eventhub"


def _zones(event):
    zones = {"Europe/Berlin": datetime(2030, 10, 27, 10), "America/New_York":
             datetime(2030, 3, 10, 10), "Asia/Tokyo": datetime(2030, 6, 1, 19)}
    made = {}
    for zone, local in zones.items():
        for days in (0, 150):  # two per zone, across a change of summer time
            starts = timeutil.from_local(local + timedelta(days=days), zone)
            made[event(timezone=zone, starts_at=starts, title=f"Übergänge, „{zone}“; Teil {days}",
                       ends_at=starts + timedelta(hours=2)).uid] = (local + timedelta(days=days),
                                                                    zone, starts)
    return made


def test_both_parsers_read_every_event_at_its_local_time(client, event):
    made = _zones(event)

    shown = meanings(client.get(ALL).data)

    assert set(shown) == set(made)
    for uid, (local, zone, utc) in made.items():
        assert (shown[uid]["local"], shown[uid]["tzid"], shown[uid]["utc"]) == (local, zone, utc)


def test_a_vtimezone_for_every_tzid_once_each(client, event):
    _zones(event)
    raw = client.get(ALL).data
    calendar = icalendar.Calendar.from_ical(raw)

    defined = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    used = {vevent[name].params["TZID"] for vevent in calendar.walk("VEVENT")
            for name in ("DTSTART", "DTEND")}
    assert sorted(defined) == sorted(set(defined)) == sorted(used)
    assert raw.index(b"BEGIN:VTIMEZONE") < raw.index(b"BEGIN:VEVENT")
    assert all(len(line) <= 75 for line in lines(raw))


def test_no_join_link_in_any_feed(client, event, make):
    e = event(venue=None)
    assert e.online_join_url == JOIN_URL
    make.agenda_item(e, title="Einwahl und Begrüßung")
    for path in (ALL, org_path(e.organization), region_path("DE-SN"),
                 ALL + "?lang=en"):
        raw = client.get(path).data
        assert e.uid in uids(raw) and b"meet.example.org" not in raw
        vevent = parse(raw).vevent
        assert "LOCATION" not in vevent and "CONFERENCE" not in vevent


def test_a_feed_is_stored_in_a_caldav_server_unchanged_in_meaning(caldav, client, event, make):
    made = _zones(event)
    e = event(title="Wird abgesagt")
    collection = f"/tester/feed-{e.uid}/"

    raw = client.get(ALL).data
    assert caldav.store(collection, raw) == 201  # a whole calendar, as a subscription
    assert meanings(caldav.fetch(collection)) == meanings(raw)
    assert set(meanings(raw)) == {*made, e.uid}

    event_services.cancel_event(organizer_of(make, e), e, timeutil.utcnow())
    raw = client.get(ALL).data
    assert caldav.store(collection, raw) in (201, 204)  # the calendar fetched again
    stored = meanings(caldav.fetch(collection))
    assert stored == meanings(raw) and stored[e.uid]["status"] == "CANCELLED"


# -- polling: validators, conditional requests ------------------------------------------------

def test_a_second_request_with_the_etag_gets_304_without_a_body(client, event):
    event()
    first = client.get(ALL)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and not etag.startswith("W/")  # strong
    assert first.headers["Cache-Control"] == "public, max-age=300"
    last_modified = first.last_modified
    assert last_modified <= datetime.now(UTC)

    again = client.get(ALL, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag

    since = client.get(ALL, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304 and since.data == b""
    assert client.get(ALL, headers={"If-None-Match": '"other"'}).status_code == 200


def _etag(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response.headers["ETag"], response.data


def test_the_etag_changes_after_a_title_edit(client, event, make):
    e = event()
    paths = (ALL, org_path(e.organization), region_path("DE-SN"))
    before = {path: _etag(client, path)[0] for path in paths}

    event_services.update_event(organizer_of(make, e), e, event_data(e, title="Neuer Titel"))

    for path in paths:
        etag, raw = _etag(client, path)
        assert etag != before[path] and meanings(raw)[e.uid]["summary"] == "Neuer Titel"
        assert client.get(path, headers={"If-None-Match": before[path]}).status_code == 200


def test_the_etag_changes_after_an_agenda_edit(client, event, make):
    """Agenda wording sends no invitation and leaves the event's row alone, but the feed
    shows it in DESCRIPTION: calendars polling with the old ETag must get the new file."""
    e = event()
    organizer = organizer_of(make, e)
    local = timeutil.local_naive(e.starts_at, e.timezone)
    item = agenda.add_item(organizer, e, agenda.AgendaData(
        "Begrüßung", local, local + timedelta(minutes=30)))
    etag, raw = _etag(client, ALL)
    assert "Begrüßung" in str(parse(raw).vevent["DESCRIPTION"])

    agenda.update_item(organizer, item, agenda.AgendaData(
        "Begrüßung und Kennenlernen", local, local + timedelta(minutes=30)))

    new_etag, raw = _etag(client, ALL)
    assert new_etag != etag
    assert "Begrüßung und Kennenlernen" in str(parse(raw).vevent["DESCRIPTION"])
    assert client.get(ALL, headers={"If-None-Match": etag}).status_code == 200


def test_the_etag_changes_when_a_speaker_is_renamed(client, event, make):
    e = event()
    speaker = make.speaker(e, name="Erika Muster")
    make.agenda_item(e, title="Vortrag", speakers=[speaker])
    etag, _ = _etag(client, ALL)

    agenda.update_speaker(organizer_of(make, e), speaker, agenda.SpeakerData(
        name="Dr. Erika Muster", region_code="DE-SN"))

    new_etag, raw = _etag(client, ALL)
    assert new_etag != etag and "Vortrag (Dr. Erika Muster)" in \
        str(parse(raw).vevent["DESCRIPTION"])


def test_languages_have_their_own_file_and_etag(client, event, make):
    make.agenda_item(event(), title="Begrüßung")
    german, english = _etag(client, ALL), _etag(client, ALL + "?lang=en")
    assert german[0] != english[0]
    assert b"Programm (Europe/Berlin)" in german[1] and b"Agenda (Europe/Berlin)" in english[1]
    assert client.get(ALL + "?lang=fr").headers["ETag"] == german[0]  # unknown: the default


def test_polling_an_unchanged_feed_builds_nothing(client, event, monkeypatch):
    event()
    etag = client.get(ALL).headers["ETag"]
    built = []
    build_calendar = feeds.ical.build_calendar
    monkeypatch.setattr(feeds.ical, "build_calendar",
                        lambda *a, **kw: built.append(1) or build_calendar(*a, **kw))

    for _ in range(3):
        assert client.get(ALL, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(ALL).headers["ETag"] == etag
    assert built == []


def test_building_a_feed_takes_the_same_few_queries_however_many_events(app, event, make):
    def queries_for(count: int) -> int:
        organization = make.organization()
        for n in range(count):
            e = event(organization=organization, starts_at=STARTS + timedelta(days=n))
            speaker = make.speaker(e)
            make.agenda_item(e, speakers=[speaker])
            make.agenda_item(e, starts_at=e.starts_at + timedelta(hours=1), speakers=[speaker])
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa_event.listen(Engine, "before_cursor_execute", listener)
        try:
            raw = _build(app, feeds.organization_scope(organization.slug), timeutil.utcnow())
        finally:
            sa_event.remove(Engine, "before_cursor_execute", listener)
        assert len(uids(raw)) == count and b"Referentin" in raw
        return len(statements)

    assert queries_for(1) == queries_for(8) <= 4


# -- links on the site --------------------------------------------------------------------------

def _webcal_links(html: str) -> list[str]:
    section = html[html.index('id="subscribe-title"'):]
    section = section[:section.index("</section>")]
    return [part.split('"', 1)[0] for part in section.split('href="')[1:]]


def test_the_event_page_offers_its_organization_region_and_all_events(client, event):
    e = event()
    html = client.get(f"/veranstaltungen/{e.slug}").get_data(as_text=True)

    assert _webcal_links(html) == [
        f"webcal://127.0.0.1:5000{org_path(e.organization)}",
        f"webcal://127.0.0.1:5000{region_path('DE-SN')}",
        f"webcal://127.0.0.1:5000{ALL}"]
    assert f"http://127.0.0.1:5000{ALL}" in html  # to paste into Google Calendar
    for link in _webcal_links(html):
        path = link.removeprefix("webcal://127.0.0.1:5000")
        assert e.uid in uids(client.get(path).data)


def test_the_list_offers_all_events_and_the_filtered_feeds(client, event, app, monkeypatch):
    e = event()
    assert _webcal_links(client.get("/").get_data(as_text=True)) == \
        [f"webcal://127.0.0.1:5000{ALL}"]

    html = client.get(f"/?region=DE-SN&organization={e.organization.slug}&lang=en").get_data(
        as_text=True)
    assert _webcal_links(html) == [
        f"webcal://127.0.0.1:5000{org_path(e.organization)}?lang=en",
        f"webcal://127.0.0.1:5000{region_path('DE-SN')}?lang=en",
        f"webcal://127.0.0.1:5000{ALL}?lang=en"]
    assert "Events in Saxony" in html

    monkeypatch.setitem(app.config, "BASE_URL", "https://termine.example.org")
    assert _webcal_links(client.get("/?region=XX").get_data(as_text=True)) == \
        [f"webcal://termine.example.org{ALL}"]



# -- the writer of public events -----------------------------------------------------------------

TRICKY = ('Komma, Semikolon; „Zitat“ "quoted" \\ Backslash \\N, Ende\r\nBEGIN:VEVENT\n'
          'X-INJECTED:1\rÜber\x07 Ärger 😀')
LONG = TRICKY + " ÄÖÜ\\" * 40  # backslashes and umlauts wherever a line is folded


def _reference(events, settings) -> bytes:
    """What icalendar itself writes for the same events (``vevent`` and ``to_ical``)."""
    components = [ical.vevent(e, settings, stamp=e.updated_at) for e in events]
    times = [c.decoded(name) for c in components for name in ("DTSTART", "DTEND")]
    calendar = ical._calendar(components, ical.Method.PUBLISH, "Name, mit; Zeichen",
                              ical._zone_years(times))
    return calendar.to_ical()


@pytest.mark.parametrize("alarm", [15, 0, 90])
def test_public_events_are_written_exactly_as_icalendar_writes_them(event, make, alarm):
    odd = make.organization(name='Zentrum "Nord": Arbeit; Zukunft, Region\\Süd')
    events = [event(title=TRICKY, summary=LONG, venue="Haus 3; Raum 2, „Saal“",
                    organization=odd, sequence=3),
              event(status=EventStatus.CANCELLED, timezone="America/New_York"),
              event(timezone="UTC", starts_at=datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC)),
              event(timezone="Asia/Kolkata", starts_at=datetime(2030, 1, 1, 12, tzinfo=UTC),
                    ends_at=datetime(2030, 1, 3, 12, tzinfo=UTC))]
    speaker = make.speaker(events[0], name='Dr. "Ada"; Lovelace, Jr.')
    make.agenda_item(events[0], title=TRICKY, speakers=[speaker])
    make.agenda_item(events[3], title="Tag 2", starts_at=datetime(2030, 1, 2, 9, tzinfo=UTC))
    settings = ical.Settings(organizer_email="noreply@eventhub.test", alarm_minutes=alarm,
                             event_url=lambda e: f"https://eventhub.test/e/{e.slug}?a=1&b=2",
                             texts=ical.Texts(agenda="Programm", cancelled="Abgesagt"))

    written = ical.build_calendar(events, settings, name="Name, mit; Zeichen")

    assert written == _reference(events, settings)
    assert b"\r\nX-INJECTED" not in written and lines(written).count(b"BEGIN:VEVENT") == 4
    assert b"DTSTART:20310203T040506Z\r\n" in written  # UTC: no TZID, no VTIMEZONE
    assert {tz["TZID"] for tz in icalendar.Calendar.from_ical(written).walk("VTIMEZONE")} == \
        {"Europe/Berlin", "America/New_York", "Asia/Kolkata"}


def test_folding_gives_the_bytes_icalendar_gives():
    """Our folding (feeds fold thousands of lines) against icalendar's own, on random text
    with multi-byte characters, escapes and carets wherever a fold may fall."""
    rng = random.Random(75)
    calendar = icalendar.Calendar()
    for _ in range(2000):
        calendar.add("DESCRIPTION", "".join(rng.choice("ab ;,\\^:äß€😀\t\n") for _ in
                                       range(rng.randint(0, 300))))
    assert ical._serialize(calendar) == calendar.to_ical()
