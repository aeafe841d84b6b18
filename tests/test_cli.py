"""``flask eventhub ...`` through the CLI runner.

Each command runs in an app context of its own, as it would from a shell: it gets its own
database session, which joins the test's transaction through a savepoint. Only what the
command commits is therefore visible to the test afterwards, and the test's rollback still
undoes it (checked by running the demo test twice, each time starting from no demo data).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from eventhub import demo, timeutil
from eventhub.auth import services as auth_services
from eventhub.auth.models import Role, User
from eventhub.events import queries
from eventhub.events.models import Event, EventStatus
from eventhub.extensions import db
from eventhub.organizations.models import Organization, OrganizationKind

CENTRES = {"Zukunftszentrum Brandenburg": "DE-BB",
           "Zukunftszentrum Mecklenburg-Vorpommern": "DE-MV",
           "Zukunftszentrum Sachsen": "DE-SN",
           "Zukunftszentrum Sachsen-Anhalt": "DE-ST",
           "Zukunftszentrum Thüringen": "DE-TH"}
DIGITALTAG_TITLE = "Regionale Impulse für die digitale Arbeitswelt von morgen"
NEW_PASSWORD = "ein-langes-passwort"


@pytest.fixture()
def run(app, db_session):
    def _run(*args: str):
        with app.app_context():
            return app.test_cli_runner().invoke(args=["eventhub", *args])
    return _run


def row_counts(session) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


def event_snapshot(session) -> list[tuple]:
    events = sa.inspect(Event).local_table
    return [tuple(row) for row in session.execute(select(events).order_by(events.c.slug))]


# --- demo ------------------------------------------------------------------------------------

@pytest.mark.parametrize("attempt", [1, 2])  # the second run sees no leftovers of the first
def test_demo_loads_centres_and_the_digitaltag_dialogue(db_session, run, attempt):
    assert db_session.scalar(select(Organization).where(
        Organization.slug == "zentrum-digitale-arbeit")) is None
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert f"demo organizer login: {demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}" in result.output

    organizations = db_session.scalars(select(Organization)).all()
    # The Haus der Selbstständigen organizes events as a centre does.
    assert {o.name: o.region_code for o in organizations
            if o.kind is OrganizationKind.CENTRE} == {**CENTRES,
                                                       "Haus der Selbstständigen": "DE-SN"}
    assert [o.name for o in organizations if o.kind is OrganizationKind.COORDINATION] == \
        ["Zentrum digitale Arbeit"]
    digitaltag = db_session.scalar(select(Event).where(Event.title == DIGITALTAG_TITLE))
    assert digitaltag.status is EventStatus.PUBLISHED and digitaltag.published_at
    assert sorted(s.region_code for s in digitaltag.speakers) == sorted(CENTRES.values())
    items = digitaltag.agenda_items
    assert len(items) >= 3 and [i.position for i in items] == list(range(len(items)))
    assert all(digitaltag.starts_at <= i.starts_at < i.ends_at <= digitaltag.ends_at
               for i in items)
    assert all(a.ends_at <= b.starts_at for a, b in zip(items, items[1:], strict=False))


def test_demo_offers_upcoming_and_past_events_and_a_working_login(db_session, run):
    assert run("demo").exit_code == 0
    now = timeutil.utcnow()
    upcoming = queries.upcoming(queries.EventFilter(), now, 1, 50, "Europe/Berlin").items
    past = queries.past(queries.EventFilter(), now, 1, 50, "Europe/Berlin").items
    assert DIGITALTAG_TITLE in [e.title for e in upcoming] and len(upcoming) >= 3
    assert past and all(e.ends_at <= now for e in past)
    user = auth_services.authenticate(demo.DEMO_EMAIL, demo.DEMO_PASSWORD, now)
    assert user is not None and user.role is Role.ORGANIZER and user.organization is not None


def test_demo_twice_changes_nothing(db_session, run):
    first = run("demo")
    assert first.exit_code == 0 and "nothing changed" not in first.output
    counts, events = row_counts(db_session), event_snapshot(db_session)
    assert counts["events"] >= 8 and counts["agenda_items"] and counts["speakers"]

    second = run("demo")
    assert second.exit_code == 0, second.output
    assert "nothing changed" in second.output
    assert row_counts(db_session) == counts
    assert event_snapshot(db_session) == events


# --- create-user -------------------------------------------------------------------------

def create_user_args(**kw: str) -> list[str]:
    options = {"email": "neu@example.org", "name": "Neue Person", "role": "organizer",
               "password": NEW_PASSWORD, **kw}
    return [arg for key, value in options.items() if value is not None
            for arg in (f"--{key}", value)]


def test_create_user_with_role_and_organization(db_session, make, run):
    org = make.organization(slug="zz-neu")
    result = run("create-user", *create_user_args(email=" Neu@Example.org",
                                                  organization="zz-neu"))
    assert result.exit_code == 0, result.output
    assert "Created organizer neu@example.org." in result.output
    user = db_session.scalar(select(User).where(User.email == "neu@example.org"))
    assert (user.name, user.role, user.organization_id) == ("Neue Person", Role.ORGANIZER,
                                                            org.id)
    assert user.check_password(NEW_PASSWORD)


def test_create_coordinator_without_organization(db_session, run):
    result = run("create-user", *create_user_args(role="coordinator"))
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.email == "neu@example.org"))
    assert (user.role, user.organization_id) == (Role.COORDINATOR, None)


@pytest.mark.parametrize("options, message", [
    ({"organization": "gibt-es-nicht"}, "unknown organization; known: zz-neu"),
    ({"organization": "zz-neu", "email": "Vergeben@Example.org"}, "bereits ein Konto"),
    ({"organization": "zz-neu", "password": "zu-kurz"}, "mindestens 10 Zeichen"),
    ({}, "braucht eine Organisation"),
])
def test_create_user_refuses_with_a_clear_message(db_session, make, run, options, message):
    make.user(email="vergeben@example.org", organization=make.organization(slug="zz-neu"))
    before = row_counts(db_session)
    result = run("create-user", *create_user_args(**options))
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert row_counts(db_session) == before
    assert db_session.scalar(select(User).where(User.email == "neu@example.org")) is None


def test_nothing_from_earlier_cli_tests_is_left_over(db_session):
    assert db_session.scalar(select(func.count()).select_from(User).where(User.email.in_(
        ["neu@example.org", demo.DEMO_EMAIL, "vergeben@example.org"]))) == 0
    assert db_session.scalar(select(func.count()).select_from(Organization).where(
        Organization.slug.in_(["zentrum-digitale-arbeit", "zz-neu"]))) == 0
