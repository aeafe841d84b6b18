"""Every route, every form and every query parameter, driven with hostile input by Hypothesis:
nothing ends in a server error, on SQLite and on PostgreSQL.

Hostile means what real clients send by mistake or on purpose: whitespace only, NUL and other
control characters, CR/LF, 10,000 characters, right-to-left and combining characters, numbers
beyond 64 bits (positive and negative), dates at the ends of the calendar. Each route is fed
the fields its own page shows (so a form is reached past its first checks) with some of them
replaced. EVENTHUB_FUZZ_EXAMPLES sets Hypothesis' examples per test (default 6)."""
from __future__ import annotations

import os
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventhub.attendance import importing
from eventhub.attendance import tokens as join_tokens
from eventhub.auth.models import Role
from eventhub.registration import tokens
from eventhub.registration.models import QuestionKind
from eventhub.registration.models import RegistrationStatus as S
from eventhub.reminders.models import ReminderKind, ReminderRule
from tests.attendance.conftest import sample
from tests.factories import berlin
from tests.registration.test_manage_registrations import add_question, add_registration

EXAMPLES = int(os.environ.get("EVENTHUB_FUZZ_EXAMPLES", "6"))
TODAY = berlin(2027, 1, 4, 9)

NASTY = [
    "", " ", "\t", "\r\n", " \r\n ", "\x00", "a\x00b", "\x07\x1b[2J", "x" * 10_000,
    "\u202eevil\u202c", "e\u0301\u0301\u0301" * 40, "\ufeff", "\u2028", "🙂" * 100,
    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1" + "0" * 400,
    "-" + "9" * 400, "1e400", "NaN", "-1", "0", "3.5", "0001-01-01T00:00", "9999-12-31T23:59",
    "0001-01-01", "9999-12-31", "0000-01", "9999-12", "2026-02-30T10:00", "2027-03-28T02:30",
    "%00", "../../etc/passwd", "<script>alert(1)</script>", "=HYPERLINK(\"x\")", "true",
    "[]", "{}", "null", "DE-XX", "https://x.example/\r\nX-INJ:2", "javascript:alert(1)",
]
HOSTILE = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.tuples(st.sampled_from(NASTY), st.text(max_size=5)).map("".join),
)
# Query parameters the pages read, and a few they don't.
PARAMETERS = ["page", "q", "format", "region", "organization", "month", "status", "lang",
              "next", "start", "end", "group", "event", "share", "sort", "size", "attended",
              "source", "x"]
NEVER = {"static", "auth.logout", "auth.logout_everywhere"}  # logging out ends the run


@pytest.fixture()
def world(app, make, db_session, login, clock, monkeypatch):
    """One of everything a route can name, and an admin logged in."""
    clock.set(TODAY)
    monkeypatch.setitem(app.config, "REGISTRATION_MIN_FILL_SECONDS", 0)
    centre = make.organization(slug="zentrum-fuzz", region_code="DE-BB")
    event = make.event(organization=centre, starts_at=berlin(2027, 7, 15, 10),
                       online_join_url="https://meet.example.org/j/1", capacity=50)
    item = make.agenda_item(event, title="Begrüßung")
    speaker = make.speaker(event, name="Erika Beispiel")
    question = add_question(db_session, event, "Ihre Frage", kind=QuestionKind.SHORT_TEXT)
    person = add_registration(db_session, event, status=S.CONFIRMED)
    rule = ReminderRule(event_id=event.id, kind=ReminderKind.BEFORE_START, offset_minutes=60)
    db_session.add(rule)
    admin = make.user(role=Role.ADMIN)
    db_session.flush()
    record, _ = importing.upload(event, "zoom.csv", sample("generic_german_semicolon.csv"),
                                 admin, event.ends_at)
    db_session.commit()
    login(admin)
    return {
        "event_id": event.id, "registration_id": person.id, "question_id": question.id,
        "item_id": item.id, "speaker_id": speaker.id, "rule_id": rule.id,
        "import_id": record.id, "admin": admin, "slug": event.slug, "code": "DE-BB",
        "file_format": "csv", "filename": "style.css", "token": {
            "registration.confirm": tokens.make(person, tokens.CONFIRM),
            "attendance.join": join_tokens.make(person),
        }.get, "manage_token": tokens.make(person, tokens.MANAGE),
    }


def _url(rule, world) -> str:
    values = {}
    for name in rule.arguments:
        if name == "token":
            values[name] = world["token"](rule.endpoint) or world["manage_token"]
        else:
            values[name] = world.get(name, "slug-" if name == "slug" else 1)
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(value), path)
    return re.sub(r"<any\([^)]*\):file_format>", "csv", path)


def _routes(app) -> list:
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint not in NEVER),
                  key=lambda r: (r.rule, sorted(r.methods)))


def _fields(page: str) -> dict[str, str]:
    """The names the page's forms send, with the values the page fills in."""
    fields = {}
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
        name = re.search(r'\bname="([^"]+)"', tag)
        if not name or name.group(1) == "csrf_token":
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        fields.setdefault(name.group(1), value.group(1) if value else "")
    return fields


def test_every_route_but_logging_out_is_fuzzed(app):
    names = {rule.endpoint for rule in _routes(app)}
    assert names | NEVER == set(app.view_functions)
    assert len(names) > 50


def _check(response, what) -> None:
    assert response.status_code < 500, f"{what!r:.300} -> {response.status_code}"


def _get_routes(app) -> list:
    return [rule for rule in _routes(app) if "GET" in rule.methods]


def _post_routes(app) -> list:
    return [rule for rule in _routes(app) if "POST" in rule.methods]


def _form_of(client, rule, world) -> tuple[str, dict[str, str]]:
    url = _url(rule, world)
    page = client.get(url).get_data(as_text=True) if "GET" in rule.methods else ""
    return url, _fields(page) or {"x": ""}


# Each of these goes into every parameter and every field of every page; Hypothesis draws
# from all of NASTY and beyond in the tests further down.
CORE = [" ", "\r\n", "a\x00b", "x" * 10_000, "\u202eevil\u202c" + "e\u0301" * 40,
        "9223372036854775808", "-" + "9" * 400, "1e400", "0001-01-01T00:00",
        "9999-12-31T23:59", "0000-01", "https://x.example/\r\nX-INJ:2"]
CORE_IDS = [f"{i}:{value[:12]!r}" for i, value in enumerate(CORE)]


@pytest.mark.parametrize("value", CORE, ids=CORE_IDS)
def test_every_query_parameter_takes_each_hostile_value(app, client, world, value):
    query = urlencode({name: value for name in PARAMETERS})
    for rule in _get_routes(app):
        url = f"{_url(rule, world)}?{query}"
        _check(client.get(url), url)


@pytest.mark.parametrize("value", CORE, ids=CORE_IDS)
def test_every_form_field_takes_each_hostile_value(app, client, world, value):
    for rule in _post_routes(app):
        url, fields = _form_of(client, rule, world)
        _check(client.post(url, data=dict.fromkeys(fields, value)), f"POST {url} {value}")


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(query=st.dictionaries(st.one_of(st.sampled_from(PARAMETERS), HOSTILE), HOSTILE,
                             max_size=4))
def test_no_query_string_makes_a_server_error(app, client, world, query):
    for rule in _get_routes(app):
        url = _url(rule, world) + "?" + urlencode(query)
        _check(client.get(url), url)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(data=st.data())
def test_no_form_submission_makes_a_server_error(app, client, world, data):
    for rule in _post_routes(app):
        url, fields = _form_of(client, rule, world)
        names = sorted(fields)
        chosen = data.draw(st.sets(st.sampled_from(names), min_size=1,
                                   max_size=min(3, len(names))), label=rule.endpoint)
        values = {name: data.draw(HOSTILE, label=name) for name in sorted(chosen)}
        _check(client.post(url, data={**fields, **values}), f"POST {url} {values!r:.200}")


CELLS = st.one_of(HOSTILE, st.sampled_from(["15.07.2027 10:00:00", "07/15/2027 10:00:00 AM",
                                            "2027-07-15 11:00", "47,5", "1h 27m 51s",
                                            "erika@example.org", '"', ";", "\t"]))


@settings(max_examples=EXAMPLES * 10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELLS, min_size=1, max_size=6), max_size=5),
       header=st.sampled_from(["Name;E-Mail;Beitritt;Verlassen;Dauer (Minuten)",
                               "Name,Email,Join Time,Leave Time,Duration (Minutes)",
                               "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail",
                               ""]),
       encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_no_attendance_file_makes_a_server_error(app, world, db_session, header, rows,
                                                 encoding):
    """Files an organizer uploads: read, or refused with the line and the reason."""
    from eventhub.errors import RuleViolation
    from eventhub.events.models import Event
    separator = ";" if ";" in header else "\t" if "\t" in header else ","
    text = "\n".join([header, *(separator.join(row) for row in rows)])
    data = text.encode(encoding, errors="replace")
    event = db_session.get(Event, world["event_id"])
    try:
        importing.upload(event, "bericht.csv", data, world["admin"],
                         TODAY + timedelta(days=200))
    except RuleViolation as refused:
        assert refused.field == "file" and str(refused.message)
    finally:
        db_session.rollback()
