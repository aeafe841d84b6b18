"""The ATTENDEE added to a stored invitation while sending (``ical.add_attendee``): the
text insertion writes the bytes icalendar writes when it parses the file, adds the property
and serialises it again, for hostile names too; both independent parsers read the name back."""
from __future__ import annotations

import icalendar
import pytest

from eventhub.calendar import ical
from eventhub.events.models import EventStatus
from tests.calendar.conftest import JOIN_URL
from tests.calendar.helpers import lines, parse
from tests.calendar.test_builder import HOSTILE, SETTINGS, STAMP

NAMES = [
    "Erika Mustermann",
    "Jürgen Öztürk-Weiß",
    "Zoë 🎉 Emoji 👩‍💻",
    'Erika "Eri" Mustermann',
    "Müller; Meier",
    "Dr. Müller, Erika",
    "Name: mit Doppelpunkt",
    "Caret ^ and ^n and ^' and \\ backslash",
    "Zeile\nneue Zeile\r\nund\rnoch eine",
    "Tab\tin the name",
    "Schön " * 40,  # folded across several lines, umlauts at the fold
    "€" * 30 + "x" + "😀" * 20,  # multi-byte characters at every fold position
    "Einfach\r\nATTENDEE:mailto:evil@example.org\r\nEND:VEVENT",
    'x";CN=evil:mailto:evil@example.org',
    "",
    HOSTILE,
]


def _by_parsing(ics: bytes, attendee: ical.Attendee) -> bytes:
    """The way it was done before: parse with icalendar, add, serialise."""
    calendar = icalendar.Calendar.from_ical(ics)
    for component in calendar.walk("VEVENT"):
        component.add("ATTENDEE", ical._attendee(attendee))
    return calendar.to_ical()


def _stored(event, method=ical.Method.REQUEST, join_url=JOIN_URL) -> bytes:
    return ical.build_personal(event, SETTINGS, ical.Personal(2, join_url), stamp=STAMP,
                               method=method)


def _expected_name(name: str) -> str:
    """Control characters go (``ical._text``); RFC 6868 keeps each line break as one."""
    return ical._text(name).replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize("name", NAMES)
def test_the_attendee_line_is_what_icalendar_writes_and_both_parsers_read_it(event, name):
    stored = _stored(event())
    attendee = ical.Attendee("erika.mustermann@example.org", name, "ACCEPTED")

    sent = ical.add_attendee(stored, attendee)

    assert sent == _by_parsing(stored, attendee)
    assert max(len(line) for line in lines(sent)) <= 75
    parsed = parse(sent)
    assert len(parsed.ical.walk("VEVENT")) == 1 and len(parsed.vobj.vevent_list) == 1
    by_icalendar = parsed.vevent["ATTENDEE"]
    assert by_icalendar == "mailto:erika.mustermann@example.org"
    assert by_icalendar.params.get("CN", "") == _expected_name(name)
    assert by_icalendar.params["PARTSTAT"] == "ACCEPTED"
    by_vobject = parsed.vobj.vevent.attendee_list
    assert [a.value for a in by_vobject] == ["mailto:erika.mustermann@example.org"]
    if name:
        assert by_vobject[0].params["CN"] == [_vobject_reads(_expected_name(name))]
    assert "X-INJECTED" not in parsed.vevent and "UID" in parsed.vevent


def _vobject_reads(name: str) -> str:
    """vobject does not decode RFC 6868 (icalendar does): ``"`` arrives as ``^'`` and a line
    break as ``^n``; what matters is that the name stays one parameter of one property."""
    return name.replace("^", "^^").replace('"', "^'").replace("\n", "^n")


@pytest.mark.parametrize("method, join_url, status", [
    (ical.Method.REQUEST, JOIN_URL, EventStatus.PUBLISHED),  # CONFERENCE, VALARM
    (ical.Method.REQUEST, None, EventStatus.PUBLISHED),  # no CONFERENCE
    (ical.Method.CANCEL, None, EventStatus.PUBLISHED),  # no VALARM
    (ical.Method.REQUEST, None, EventStatus.CANCELLED),
])
def test_every_shape_of_invitation_gets_the_same_bytes(event, make, method, join_url, status):
    e = event(title=HOSTILE, venue="Markt 1, Leipzig", status=status)
    make.agenda_item(e, title=HOSTILE)
    stored = _stored(e, method, join_url)
    for partstat in ("ACCEPTED", "DECLINED"):
        attendee = ical.Attendee("a@example.org", "Ada Lovelace", partstat)
        assert ical.add_attendee(stored, attendee) == _by_parsing(stored, attendee)


def test_the_attendee_goes_into_the_event_not_into_its_alarm(event):
    sent = ical.add_attendee(_stored(event()), ical.Attendee("a@example.org", "Ada"))
    vevent = icalendar.Calendar.from_ical(sent).walk("VEVENT")[0]
    assert vevent["ATTENDEE"] == "mailto:a@example.org"
    [alarm] = vevent.walk("VALARM")
    assert "ATTENDEE" not in alarm
    assert sent.index(b"ATTENDEE;") < sent.index(b"BEGIN:VALARM")


def test_a_second_attendee_follows_the_first_and_every_event_gets_one(event):
    two_events = ical.build_calendar([event(), event()], SETTINGS, method=ical.Method.REQUEST)
    first, second = ical.Attendee("a@example.org", "A"), ical.Attendee("b@example.org", "B")

    sent = ical.add_attendee(ical.add_attendee(two_events, first), second)

    assert sent == _by_parsing(_by_parsing(two_events, first), second)
    for vevent in icalendar.Calendar.from_ical(sent).walk("VEVENT"):
        assert [str(a) for a in vevent["ATTENDEE"]] == ["mailto:a@example.org",
                                                        "mailto:b@example.org"]
