"""Public pages: the upcoming list with filters and pages, the archive, the event page,
time zones, language selection and what must never be shown (drafts, join links, raw HTML).
"""
from __future__ import annotations

import html as html_lib
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest

from eventhub import timeutil
from eventhub.events.models import EventFormat, EventStatus
from tests.factories import berlin

SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(autouse=True)
def _early_in_2027(clock):
    """The events of these tests lie in 2027 (one crosses the change to summer time on
    28 March 2027): the app's clock is set to the first working day of that year."""
    clock.set(berlin(2027, 1, 4, 9))


def text_of(page: str) -> str:
    """What a reader sees: tags (and their attributes) removed, entities decoded."""
    without_tags = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html_lib.unescape(without_tags))


def link(event) -> str:
    return f'href="/veranstaltungen/{event.slug}"'


def listed(page: str, *events) -> list[bool]:
    return [link(e) in page for e in events]


def get_ok(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def days_from_now(days: int, hour: int = 10) -> datetime:
    return timeutil.utcnow().replace(hour=hour, minute=0, second=0, microsecond=0) \
        + timedelta(days=days)


# --- the upcoming list ---------------------------------------------------------------

def test_upcoming_list_shows_published_and_cancelled_but_no_drafts_or_past(client, make):
    published = make.event(starts_at=days_from_now(5))
    cancelled = make.event(starts_at=days_from_now(6), status=EventStatus.CANCELLED)
    draft = make.event(starts_at=days_from_now(7), status=EventStatus.DRAFT,
                       title="Entwurf, noch geheim")
    past = make.event(starts_at=days_from_now(-7))

    page = get_ok(client, "/")

    assert listed(page, published, cancelled) == [True, True]
    assert listed(page, draft, past) == [False, False]
    assert published.title in page and draft.title not in page


def test_upcoming_list_marks_cancelled_events(client, make):
    make.event(starts_at=days_from_now(6), status=EventStatus.CANCELLED)
    page = get_ok(client, "/")
    assert "badge-cancelled" in page


@pytest.fixture()
def filter_world(make):
    brandenburg = make.organization(slug="zentrum-brandenburg", region_code="DE-BB")
    saxony = make.organization(slug="zentrum-sachsen", region_code="DE-SN")
    return {
        "bb_webinar_june": make.event(organization=brandenburg, format=EventFormat.WEBINAR,
                                      starts_at=berlin(2027, 6, 10, 10)),
        "sn_talk_july": make.event(organization=saxony, format=EventFormat.ONLINE_TALK,
                                   starts_at=berlin(2027, 7, 20, 10)),
        # 00:30 on 1 July in Berlin is still 30 June in UTC: it belongs to July.
        "sn_workshop_july_1st": make.event(organization=saxony, format=EventFormat.WORKSHOP,
                                           starts_at=berlin(2027, 7, 1, 0, 30)),
    }


@pytest.mark.parametrize("query, expected", [
    ("region=DE-BB", {"bb_webinar_june"}),
    ("region=DE-SN", {"sn_talk_july", "sn_workshop_july_1st"}),
    ("organization=zentrum-sachsen", {"sn_talk_july", "sn_workshop_july_1st"}),
    ("format=webinar", {"bb_webinar_june"}),
    ("format=workshop", {"sn_workshop_july_1st"}),
    ("month=2027-06", {"bb_webinar_june"}),
    ("month=2027-07", {"sn_talk_july", "sn_workshop_july_1st"}),
    ("region=DE-SN&month=2027-07&format=online_talk", {"sn_talk_july"}),
    ("region=DE-BE", set()),
])
def test_filters_narrow_the_upcoming_list(client, filter_world, query, expected):
    page = get_ok(client, f"/?{query}")
    shown = {name for name, event in filter_world.items() if link(event) in page}
    assert shown == expected
    assert 'aria-invalid="true"' not in page


def test_the_month_filter_offers_the_months_that_have_events(client, filter_world, make):
    make.event(starts_at=berlin(2026, 11, 10, 10))  # past: only the archive offers November
    page = get_ok(client, "/")
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>',
                         page.split('id="month"', 1)[1].split("</select>", 1)[0])
    assert options == [("", "Alle Monate"), ("2027-06", "Juni 2027"), ("2027-07", "Juli 2027")]
    archive = get_ok(client, "/archiv?lang=en")
    assert '<option value="2026-11">November 2026</option>' in archive
    assert '<option value="2027-06"' not in archive


def test_a_month_without_events_from_an_old_link_stays_chosen_and_finds_nothing(
        client, filter_world):
    page = get_ok(client, "/?month=2027-09")
    assert '<option selected value="2027-09">September 2027</option>' in page
    assert not any(listed(page, *filter_world.values()))
    assert 'aria-invalid="true"' not in page


@pytest.mark.parametrize("query, field, message", [
    ("region=XX", "region", "Not a valid choice"),
    ("month=2026-13", "month", "Choose a month from the list."),
    ("month=juni", "month", "Choose a month from the list."),
    ("format=nonsense", "format", "Not a valid choice"),
    ("organization=no-such-centre", "organization", "Not a valid choice"),
])
def test_invalid_filter_values_show_an_error_instead_of_failing(client, make, query, field,
                                                                message):
    event = make.event(starts_at=days_from_now(3))
    page = get_ok(client, f"/?{query}&lang=en")
    assert f'id="{field}-error"' in page
    assert message in page
    # The invalid value is ignored, not applied.
    assert link(event) in page


@pytest.mark.parametrize("query", ["region=XX", "month=2026-13", "format=nonsense"])
def test_invalid_filter_values_in_the_archive_do_not_fail(client, query):
    page = get_ok(client, f"/archiv?{query}")
    assert 'aria-invalid="true"' in page


# --- pages ---------------------------------------------------------------------------

@pytest.fixture()
def thirteen_events(make):
    return [make.event(starts_at=days_from_now(10 + n)) for n in range(13)]


def test_first_page_holds_twelve_events_and_the_second_the_rest(client, thirteen_events):
    first, second = get_ok(client, "/"), get_ok(client, "/?page=2")
    assert listed(first, *thirteen_events) == [True] * 12 + [False]
    assert listed(second, *thirteen_events) == [False] * 12 + [True]
    assert 'href="/?page=2"' in first


@pytest.mark.parametrize("page_arg", ["abc", "-1", "0", ""])
def test_bad_page_numbers_show_the_first_page(client, thirteen_events, page_arg):
    page = get_ok(client, f"/?page={page_arg}")
    assert listed(page, *thirteen_events) == [True] * 12 + [False]


def test_page_beyond_the_end_is_empty_not_an_error(client, thirteen_events):
    page = get_ok(client, "/?page=99")
    assert not any(listed(page, *thirteen_events))


def test_page_links_keep_the_filters(client, make):
    organization = make.organization(region_code="DE-BB")
    for n in range(13):
        make.event(organization=organization, starts_at=days_from_now(10 + n))
    page = get_ok(client, "/?region=DE-BB")
    assert re.search(r'href="/\?[^"]*page=2[^"]*"', page)
    assert re.search(r'href="/\?[^"]*region=DE-BB[^"]*"', page)


# --- archive -------------------------------------------------------------------------

def test_archive_lists_past_events_newest_first(client, make):
    oldest = make.event(starts_at=days_from_now(-40))
    newest = make.event(starts_at=days_from_now(-3))
    middle = make.event(starts_at=days_from_now(-10), status=EventStatus.CANCELLED)
    past_draft = make.event(starts_at=days_from_now(-5), status=EventStatus.DRAFT)
    upcoming = make.event(starts_at=days_from_now(5))

    page = get_ok(client, "/archiv")

    positions = [page.index(link(e)) for e in (newest, middle, oldest)]
    assert positions == sorted(positions)
    assert listed(page, past_draft, upcoming) == [False, False]


# --- the event page ------------------------------------------------------------------

def test_event_page_shows_agenda_and_speakers(client, make):
    event = make.event(starts_at=berlin(2027, 7, 15, 10), title="Arbeit im Wandel")
    speaker = make.speaker(event, name="Dr. Erika Mustermann", role="Leiterin",
                           region_code="DE-BB")
    make.agenda_item(event, title="Begrüßung und Einführung",
                     starts_at=berlin(2027, 7, 15, 10),
                     ends_at=berlin(2027, 7, 15, 10, 45), speakers=[speaker])
    make.agenda_item(event, title="Diskussion mit dem Publikum",
                     starts_at=berlin(2027, 7, 15, 10, 45),
                     ends_at=berlin(2027, 7, 15, 11, 30))

    text = text_of(get_ok(client, f"/veranstaltungen/{event.slug}"))

    assert "Arbeit im Wandel" in text
    assert text.index("Begrüßung und Einführung") < text.index("Diskussion mit dem Publikum")
    assert re.search(r"10:00\s*–\s*10:45", text) and re.search(r"10:45\s*–\s*11:30", text)
    assert "Dr. Erika Mustermann" in text and "Leiterin" in text
    assert "Brandenburg" in text  # the speaker's region


def test_cancelled_event_page_says_so(client, make):
    event = make.event(status=EventStatus.CANCELLED)
    page = get_ok(client, f"/veranstaltungen/{event.slug}?lang=en")
    assert "This event has been cancelled." in page


def test_draft_event_page_is_not_found(client, make):
    draft = make.event(status=EventStatus.DRAFT, title="Geheimer Entwurf")
    response = client.get(f"/veranstaltungen/{draft.slug}")
    assert response.status_code == 404
    assert "Geheimer Entwurf" not in response.get_data(as_text=True)


def test_unknown_event_is_a_404_inside_the_site_layout(client):
    response = client.get("/veranstaltungen/gibt-es-nicht")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<html lang="de"' in page
    assert 'class="site-header"' in page and 'href="/archiv"' in page


JOIN_URL = "https://meet.example.org/raum/geheim-4711"


@pytest.mark.parametrize("url", ["/", "/?lang=en", "/veranstaltungen/{slug}",
                                 "/veranstaltungen/{slug}?lang=en"])
def test_join_link_never_appears_on_upcoming_pages(client, make, url):
    event = make.event(online_join_url=JOIN_URL, format=EventFormat.WEBINAR)
    page = get_ok(client, url.format(slug=event.slug))
    assert event.title in page
    assert "geheim-4711" not in page and "meet.example.org" not in page


@pytest.mark.parametrize("url", ["/archiv", "/veranstaltungen/{slug}"])
def test_join_link_never_appears_on_past_event_pages(client, make, url):
    event = make.event(online_join_url=JOIN_URL, starts_at=days_from_now(-2))
    page = get_ok(client, url.format(slug=event.slug))
    assert event.title in page
    assert "geheim-4711" not in page


@pytest.mark.parametrize("url", ["/", "/veranstaltungen/{slug}"])
def test_markup_in_event_texts_is_shown_escaped(client, make, url):
    event = make.event(title=f"Titel {SCRIPT}", summary=f"Kurz {SCRIPT}",
                       description=f"Lang {SCRIPT}")
    page = get_ok(client, url.format(slug=event.slug))
    assert SCRIPT not in page
    assert ESCAPED_SCRIPT in page


def test_markup_in_agenda_and_speakers_is_shown_escaped(client, make):
    event = make.event()
    speaker = make.speaker(event, name=f"Name {SCRIPT}", bio=f"Bio {SCRIPT}",
                           role=f"Rolle {SCRIPT}")
    make.agenda_item(event, title=f"Punkt {SCRIPT}", description=f"Text {SCRIPT}",
                     speakers=[speaker])
    page = get_ok(client, f"/veranstaltungen/{event.slug}")
    assert SCRIPT not in page
    assert page.count(ESCAPED_SCRIPT) >= 5


# --- time zones ----------------------------------------------------------------------

@pytest.mark.parametrize("month, utc_hour, zone_abbreviation", [
    (7, 8, "MESZ"),   # summer time, UTC+2
    (12, 9, "MEZ"),   # winter time, UTC+1
])
def test_berlin_event_is_stored_in_utc_and_shown_in_local_time(client, make, db_session,
                                                               month, utc_hour,
                                                               zone_abbreviation):
    event = make.event(starts_at=berlin(2027, month, 15, 10))
    db_session.commit()
    db_session.expire_all()

    assert event.starts_at.hour == utc_hour
    assert event.starts_at.utcoffset() == timedelta(0)

    text = text_of(get_ok(client, f"/veranstaltungen/{event.slug}"))
    assert "10:00" in text and "12:00" in text
    assert f"{utc_hour:02d}:00" not in text
    assert "Europe/Berlin" in text
    assert zone_abbreviation in text


def test_new_york_event_is_shown_in_new_york_time(client, make, db_session):
    start = timeutil.from_local(datetime(2027, 7, 15, 10), "America/New_York")
    event = make.event(starts_at=start, timezone="America/New_York")
    db_session.commit()
    db_session.expire_all()
    assert event.starts_at.hour == 14  # EDT is UTC-4

    for url in (f"/veranstaltungen/{event.slug}", "/"):
        text = text_of(get_ok(client, url))
        assert "10:00" in text and "America/New_York" in text
        assert "14:00" not in text and "16:00" not in text  # neither UTC nor Berlin time


# --- language ------------------------------------------------------------------------

def test_pages_are_german_by_default(client):
    assert '<html lang="de"' in get_ok(client, "/")


def test_lang_parameter_switches_to_english_for_that_request_only(client):
    assert '<html lang="en"' in get_ok(client, "/?lang=en")
    assert '<html lang="de"' in get_ok(client, "/archiv")


def test_unknown_language_falls_back_to_german(client):
    assert '<html lang="de"' in get_ok(client, "/?lang=xx")


def test_language_switch_is_remembered_in_the_session(client):
    response = client.get("/lang/en?next=/archiv")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/archiv"
    with client.session_transaction() as session:
        assert session["lang"] == "en"
    assert '<html lang="en"' in get_ok(client, "/")

    client.get("/lang/de?next=/")
    assert '<html lang="de"' in get_ok(client, "/")


def test_unknown_language_code_is_not_stored(client):
    client.get("/lang/xx?next=/")
    with client.session_transaction() as session:
        assert "lang" not in session


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/",
                                    "/\\evil.example", "http:/evil.example",
                                    "javascript:alert(1)"])
def test_language_switch_does_not_redirect_off_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.path == "/"
    assert "evil" not in response.headers["Location"]


def test_wtforms_own_messages_follow_the_page_language(client, make):
    """Built-in WTForms messages come from WTForms' catalogue (read once per language)."""
    make.event(starts_at=days_from_now(3))
    assert "Keine gültige Auswahl" in get_ok(client, "/?region=XX&lang=de")
    assert "Not a valid choice" in get_ok(client, "/?region=XX&lang=en")
    assert "Keine gültige Auswahl" in get_ok(client, "/?region=XX&lang=de")
