"""The public read API: filters and paging as on the public list, the event with agenda
and speakers in its time zone, ETag and 304, CORS, the OpenAPI document and its page."""
from __future__ import annotations

from datetime import datetime, timedelta

from eventhub.events.models import EventFormat, EventStatus
from tests.factories import berlin


def test_the_list_has_the_public_lists_events_and_filters(client, make, clock):
    clock.set(berlin(2031, 3, 1, 9))
    leipzig = make.organization(region_code="DE-SN", slug="zz-leipzig")
    erfurt = make.organization(region_code="DE-TH", slug="zz-erfurt")
    webinar = make.event(organization=leipzig, format=EventFormat.WEBINAR,
                         starts_at=berlin(2031, 4, 2, 10))
    make.event(organization=erfurt, starts_at=berlin(2031, 5, 2, 10))
    make.event(organization=leipzig, status=EventStatus.DRAFT, starts_at=berlin(2031, 4, 3))
    make.event(organization=leipzig, starts_at=berlin(2031, 2, 1, 10))  # over

    everything = client.get("/api/v1/events").get_json()
    assert everything["paging"]["total"] == 2
    assert [e["slug"] for e in client.get("/api/v1/events?region=DE-SN").get_json()["items"]] \
        == [webinar.slug]
    assert client.get("/api/v1/events?centre=zz-erfurt").get_json()["paging"]["total"] == 1
    assert client.get("/api/v1/events?format=webinar").get_json()["items"][0]["id"] \
        == webinar.id
    assert client.get("/api/v1/events?month=2031-05").get_json()["paging"]["total"] == 1
    assert client.get("/api/v1/events?when=past").get_json()["paging"]["total"] == 1
    paged = client.get("/api/v1/events?per_page=1&page=2").get_json()
    assert paged["paging"] == {"page": 2, "per_page": 1, "pages": 2, "total": 2}


def test_an_event_has_agenda_and_speakers_with_times_in_its_zone(client, make, clock):
    clock.set(berlin(2031, 6, 1, 9))
    event = make.event(starts_at=berlin(2031, 7, 1, 10), timezone="Europe/Berlin")
    speaker = make.speaker(event, name="Dr. Weber", region_code="DE-BB")
    item = make.agenda_item(event, title="Impulse")
    item.speakers.append(speaker)
    make.session.flush()

    body = client.get(f"/api/v1/events/{event.slug}").get_json()

    assert body["starts_at"] == "2031-07-01T10:00:00+02:00"
    assert body["timezone"] == "Europe/Berlin"
    assert body["agenda"][0]["title"] == "Impulse"
    assert body["agenda"][0]["speaker_ids"] == [speaker.id]
    assert body["speakers"][0] == {"id": speaker.id, "name": "Dr. Weber", "role": "",
                                   "organization": "", "region": "DE-BB", "bio": ""}
    assert datetime.fromisoformat(body["ends_at"]) - datetime.fromisoformat(
        body["starts_at"]) == timedelta(hours=2)


def test_drafts_and_unknown_events_are_problems(client, make):
    draft = make.event(status=EventStatus.DRAFT)
    for slug in (draft.slug, "nothing-here"):
        response = client.get(f"/api/v1/events/{slug}")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 404


def test_bad_filters_get_field_errors(client):
    response = client.get("/api/v1/events?page=0&format=party&month=2031-13")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    fields = {error["field"] for error in response.get_json()["errors"]}
    assert {"page", "format", "month"} <= fields


def test_etag_answers_304_until_the_list_changes(client, make):
    make.event()
    first = client.get("/api/v1/events")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/events", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    make.event()
    changed = client.get("/api/v1/events", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_regions_and_centres(client, make):
    centre = make.organization(name="Zukunftszentrum Sachsen")
    regions = client.get("/api/v1/regions").get_json()["items"]
    assert len(regions) == 18 and {"DE-SN", "ABROAD", "UNSTATED"} <= {r["code"] for r in regions}
    centres = client.get("/api/v1/centres").get_json()["items"]
    assert {"id": centre.id, "slug": centre.slug, "name": "Zukunftszentrum Sachsen",
            "short_name": centre.short_name, "region": "DE-SN", "website": None} in centres


def test_cors_only_for_configured_origins(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_CORS_ORIGINS", ("https://partner.example",))
    allowed = client.get("/api/v1/regions", headers={"Origin": "https://partner.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://partner.example"
    other = client.get("/api/v1/regions", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options("/api/v1/events", headers={
        "Origin": "https://partner.example", "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    monkeypatch.setitem(app.config, "API_CORS_ORIGINS", ())
    assert "Access-Control-Allow-Origin" not in client.get(
        "/api/v1/regions", headers={"Origin": "https://partner.example"}).headers


def test_the_openapi_document_is_3_1_and_lists_the_operations(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/events", "/api/v1/events/{slug}", "/api/v1/regions",
            "/api/v1/centres"} <= set(spec["paths"])
    error = spec["paths"]["/api/v1/events"]["get"]["responses"]["422"]
    assert list(error["content"]) == ["application/problem+json"]


def test_the_documentation_page_is_served_by_the_app(client):
    response = client.get("/api/v1/docs")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "GET /api/v1/events" in page and 'href="/api/v1/openapi.json"' in page
    assert "<script" not in page.split("</header>", 1)[-1].split("<footer", 1)[0]
    assert "cdn" not in page.lower()


def test_the_footer_links_the_documentation(client):
    assert 'href="/api/v1/docs"' in client.get("/").get_data(as_text=True)


def test_unknown_api_addresses_and_methods_are_problems_pages_stay_pages(client):
    for response, status in ((client.get("/api/v1/nothing"), 404),
                             (client.delete("/api/v1/events"), 405),
                             (client.get("/api/v1/manage/events/-1"), 404)):
        assert response.status_code == status
        assert response.mimetype == "application/problem+json"
    assert client.delete("/api/v1/events").headers["Allow"]
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_the_documentation_page_speaks_the_sites_language(client):
    assert "API-Dokumentation" in client.get("/api/v1/docs").get_data(as_text=True)
    assert "API documentation" in client.get("/api/v1/docs?lang=en").get_data(as_text=True)
