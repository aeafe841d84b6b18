"""The footer's coordinating centre: read once per SITE_OPERATOR_SECONDS by a process, and
afresh as soon as an organization changes in it."""
from __future__ import annotations

from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from eventhub.organizations.models import Organization, OrganizationKind


def _footer(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return page[page.index("site-footer"):]


def test_the_footer_names_the_coordinating_centre_without_asking_on_every_page(
        client, db_session):
    db_session.add(Organization(slug="koordination", name="Koordinierungsstelle Mittelstand",
                                short_name="KS", kind=OrganizationKind.COORDINATION,
                                region_code="DE-SN", email="kontakt@example.org"))
    db_session.commit()
    assert "Koordinierungsstelle Mittelstand" in _footer(client)
    asked: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.startswith("SELECT organizations.name, organizations.email, "
                                "organizations.website"):
            asked.append(statement)
    sa_event.listen(Engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            assert "kontakt@example.org" in _footer(client)
    finally:
        sa_event.remove(Engine, "before_cursor_execute", record)
    assert asked == []
    # the query recorded is the one the footer sends (a check of the check)
    client.application.extensions.pop("eventhub.site_operator")
    sa_event.listen(Engine, "before_cursor_execute", record)
    try:
        _footer(client)
    finally:
        sa_event.remove(Engine, "before_cursor_execute", record)
    assert len(asked) == 1


def test_a_change_to_an_organization_shows_at_once(client, db_session):
    centre = Organization(slug="koordination", name="Koordinierungsstelle", short_name="KS",
                          kind=OrganizationKind.COORDINATION, region_code="DE-SN")
    db_session.add(centre)
    db_session.commit()
    assert "Koordinierungsstelle" in _footer(client)

    centre.name = "Zentrale Mittelstand-Digital"
    db_session.commit()

    assert "Zentrale Mittelstand-Digital" in _footer(client)
