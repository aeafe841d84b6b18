"""The .ics downloads and the "Add to calendar" links on pages, through the client."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from eventhub.events.models import EventStatus
from eventhub.registration import services, tokens
from tests.calendar.conftest import JOIN_URL
from tests.calendar.helpers import parse
from tests.factories import berlin
from tests.mail.conftest import joins_as, personal_join_links


def _personal_path(registration) -> str:
    return f"/anmeldung/{tokens.make(registration, tokens.MANAGE)}"


def test_public_download_is_a_calendar_file_without_the_join_link(client, event):
    e = event()

    response = client.get(f"/veranstaltungen/{e.slug}/kalender.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{e.slug}.ics"'
    parsed = parse(response.data)
    assert parsed.ical["METHOD"] == "PUBLISH" and parsed.vevent["UID"] == e.uid
    assert parsed.vevent["URL"] == f"http://127.0.0.1:5000/veranstaltungen/{e.slug}"
    assert b"meet.example.org" not in response.data


def test_public_download_answers_conditional_requests(client, event):
    e = event()
    first = client.get(f"/veranstaltungen/{e.slug}/kalender.ics")
    assert first.headers["ETag"]

    again = client.get(f"/veranstaltungen/{e.slug}/kalender.ics",
                       headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304 and again.data == b""


def test_the_download_speaks_the_page_language(client, event, make):
    e = event()
    make.agenda_item(e, title="Begrüßung")
    german = client.get(f"/veranstaltungen/{e.slug}/kalender.ics").get_data(as_text=True)
    english = client.get(f"/veranstaltungen/{e.slug}/kalender.ics?lang=en").get_data(
        as_text=True)
    assert "Programm (Europe/Berlin):" in german and "Agenda (Europe/Berlin):" in english


def test_drafts_have_no_download_but_cancelled_events_do(client, event):
    assert client.get(f"/veranstaltungen/{event(status=EventStatus.DRAFT).slug}/kalender.ics"
                      ).status_code == 404
    assert client.get("/veranstaltungen/gibt-es-nicht/kalender.ics").status_code == 404
    cancelled = client.get(
        f"/veranstaltungen/{event(status=EventStatus.CANCELLED).slug}/kalender.ics")
    assert parse(cancelled.data).vevent["STATUS"] == "CANCELLED"


def test_a_confirmed_participant_downloads_their_own_file_with_the_join_link(client, event,
                                                                             register):
    e = event(venue=None)
    registration = register(e)

    response = client.get(_personal_path(registration) + "/kalender.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response.headers["Cache-Control"]
    vevent = parse(response.data).vevent
    assert vevent["UID"] == e.uid and joins_as(vevent["LOCATION"]) == registration.id
    assert str(vevent["CONFERENCE"]) == vevent["LOCATION"]  # their own link, everywhere
    assert JOIN_URL not in response.data.decode().replace("\r\n ", "")
    assert "ATTENDEE" not in vevent  # a file to import, not an invitation


def test_only_a_confirmed_place_gives_a_personal_file(client, event, register, now):
    e = event(capacity=1)
    register(e)
    waiting = register(e)
    assert client.get(_personal_path(waiting) + "/kalender.ics").status_code == 404
    cancelled = register(event())
    services.cancel(cancelled, now)
    assert client.get(_personal_path(cancelled) + "/kalender.ics").status_code == 404
    assert client.get("/anmeldung/kaputt/kalender.ics").status_code == 400


def _links(html: str) -> dict[str, str]:
    section = html[html.index('id="calendar-title"'):]
    section = section[:section.index("</section>")]
    hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', section)]
    return {"ics": hrefs[0], "google": hrefs[1], "outlook": hrefs[2]}


def test_the_event_page_offers_file_google_and_outlook_links(client, event):
    e = event(starts_at=berlin(2030, 6, 18, 10))

    links = _links(client.get(f"/veranstaltungen/{e.slug}").get_data(as_text=True))

    assert links["ics"].endswith(f"/veranstaltungen/{e.slug}/kalender.ics")
    google = urlsplit(links["google"])
    assert (google.scheme, google.netloc) == ("https", "calendar.google.com")
    query = parse_qs(google.query)
    assert query["dates"] == ["20300618T080000Z/20300618T100000Z"]
    assert query["ctz"] == ["Europe/Berlin"] and query["text"] == ["Regionale Impulse"]
    outlook = parse_qs(urlsplit(links["outlook"]).query)
    assert outlook["startdt"] == ["2030-06-18T08:00:00Z"]
    assert outlook["enddt"] == ["2030-06-18T10:00:00Z"]
    assert outlook["rru"] == ["addevent"] and outlook["subject"] == ["Regionale Impulse"]
    assert "%20" in links["outlook"] and "+" not in links["outlook"]
    assert "meet.example.org" not in " ".join(links.values())


def test_no_calendar_links_for_cancelled_or_past_events(client, event):
    for e in (event(status=EventStatus.CANCELLED), event(starts_at=berlin(2020, 1, 7))):
        assert "calendar-title" not in client.get(f"/veranstaltungen/{e.slug}").get_data(
            as_text=True)


def test_the_personal_page_offers_the_personal_file(client, event, register):
    registration = register(event())

    html = client.get(_personal_path(registration)).get_data(as_text=True)

    links = _links(html)
    assert re.fullmatch(r"http://127\.0\.0\.1:5000/anmeldung/[^/]+/kalender\.ics", links["ics"])
    own_file = client.get(urlsplit(links["ics"]).path)
    assert joins_as(parse(own_file.data).vevent["LOCATION"]) == registration.id
    [join] = personal_join_links(parse_qs(urlsplit(links["google"]).query)["details"][0])
    assert joins_as(join) == registration.id
    assert JOIN_URL not in unescape(html)
    assert "persönlichen Link" in html
