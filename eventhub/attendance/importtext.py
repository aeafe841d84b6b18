"""Low-level reading for the attendance importers: text, rows, columns, times, durations.

Pure functions. Every problem is a ``ParseError`` that names the line (1-based, as an
editor shows it) and says what is wrong, so the organizer can fix the file.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l

from eventhub import timeutil

EMPTY_VALUES = {"", "-", "--", "n/a", "na"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
         (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


class ParseError(ValueError):
    """The file cannot be read; ``line`` is where, ``message`` (translatable) is why."""

    def __init__(self, line: int, message) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


# --- text ----------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the name of its encoding: UTF-8 or UTF-16 (with or without BOM)."""
    if data.startswith(_WORKBOOK_MAGIC):
        raise ParseError(1, _l("This is a spreadsheet workbook, not a text file. Save it as "
                               "“CSV UTF-8” and upload that file."))
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            return _checked(_decode_as(data, codec, label)), label
    codec = _utf16_without_bom(data)
    if codec:
        return _checked(_decode_as(data, codec, "UTF-16")), "UTF-16"
    return _checked(_decode_as(data, "utf-8", "UTF-8")), "UTF-8"


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text of Latin letters has a zero byte in every other position."""
    head = data[:400]
    if len(head) < 4 or len(head) % 2:
        return None
    if head[1::2].count(0) > len(head) * 0.4:
        return "utf-16-le"
    if head[0::2].count(0) > len(head) * 0.4:
        return "utf-16-be"
    return None


def _decode_as(data: bytes, codec: str, label: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].decode(codec, errors="replace").count("\n") + 1
        raise ParseError(line, _l(
            "This line is not valid %(encoding)s text, so the file has a different "
            "encoding (perhaps Windows-1252). Save it as “CSV UTF-8” and upload it again.",
            encoding=label)) from None


def _checked(text: str) -> str:
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise ParseError(line, _l("This line contains binary data: the file is not a text "
                                  "export."))
    if not text.strip(" \t\r\n\ufeff"):
        raise ParseError(1, _l("The file is empty."))
    return text


# --- columns ---------------------------------------------------------------------------

def key(text: str) -> str:
    """A header cell reduced to lower-case letters and digits: "E-Mail" -> "email"."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[^0-9a-zäöüß]", "", folded)


def match_columns(header: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Each column whose header is one of its aliases, by index (the first alias wins)."""
    keys = [key(cell) for cell in header]
    found: dict[str, int] = {}
    for name, names in aliases.items():
        wanted = [key(n) for n in names]
        index = next((keys.index(w) for w in wanted if w in keys), None)
        if index is not None:
            found[name] = index
    return found


def find_columns(header: list[str], line: int, aliases: dict[str, tuple[str, ...]],
                 required: Iterable[str], labels: dict[str, str]) -> dict[str, int]:
    """Map each wanted column to its index; ParseError naming the first missing one."""
    found = match_columns(header, aliases)
    for name in required:
        if name not in found:
            raise ParseError(line, _l(
                "The column “%(column)s” is missing. Columns found: %(found)s.",
                column=labels[name], found=", ".join(c for c in header if c) or "–"))
    return found


def cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(cells):
        return ""
    value = cells[index]
    return "" if value.casefold() in EMPTY_VALUES else value


def email_of(value: str) -> str:
    """A lower-cased address, or "" for anything that is not one (guests often have none)."""
    value = value.strip().strip("<>").strip()
    return value.lower() if re.fullmatch(r"[^@\s]+@[^@\s]+", value) else ""


# --- times -----------------------------------------------------------------------------

_MONTH_FIRST = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S",
                "%m/%d/%Y %H:%M", "%m/%d/%y %I:%M:%S %p", "%m/%d/%y %I:%M %p",
                "%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M")
_DAY_FIRST = tuple(f.replace("%m/%d", "%d/%m") for f in _MONTH_FIRST)
_OTHER = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%y %H:%M:%S", "%d.%m.%y %H:%M",
          "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
          "%b %d %Y %I:%M:%S %p", "%b %d %Y %I:%M %p", "%b %d %Y %H:%M:%S", "%b %d %Y %H:%M")
_SLASH_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/\d{2,4}")


class TimeReader:
    """Reads the local wall-clock times of one file and returns them in UTC.

    Slashed dates are month first (Zoom, Teams in US English) unless some date in the file
    has a first number above 12, which only day-first exports (British English) produce.
    """

    def __init__(self, tz_name: str, samples: Iterable[str] = ()) -> None:
        self.tz_name = tz_name
        firsts = [int(m.group(1)) for m in map(_SLASH_DATE.match, samples) if m]
        self.formats = (_DAY_FIRST if any(n > 12 for n in firsts) else _MONTH_FIRST) + _OTHER

    def __call__(self, value: str, line: int) -> datetime | None:
        if value.casefold() in EMPTY_VALUES:
            return None
        normal = re.sub(r"\s+", " ", value.replace(",", " ").replace("\u202f", " ")).strip()
        normal = re.sub(r"(?i)\b([ap])\.?m\.?$", lambda m: m.group(1).upper() + "M", normal)
        normal = re.sub(r"\.\d+$", "", normal)  # fractions of a second
        for fmt in self.formats:
            try:
                wall_clock = datetime.strptime(normal, fmt)
            except ValueError:
                continue
            return self._in_utc(wall_clock, value, line)
        raise ParseError(line, _l(
            "“%(value)s” is not a date and time in a known format (for example "
            "11/21/2026 10:02:13 AM, 21.11.2026 10:02:13 or 2026-11-21 10:02:13).",
            value=value))

    def _in_utc(self, wall_clock: datetime, value: str, line: int) -> datetime:
        if not timeutil.in_supported_years(wall_clock):
            raise ParseError(line, _l(
                "“%(value)s” lies outside the years %(first)d to %(last)d.", value=value,
                first=timeutil.FIRST_YEAR, last=timeutil.LAST_YEAR))
        try:
            return timeutil.from_local(wall_clock, self.tz_name)
        except timeutil.InvalidLocalTime:
            raise ParseError(line, _l(
                "The time “%(value)s” does not exist or occurs twice in the time zone "
                "%(zone)s (clock change).", value=value, zone=self.tz_name)) from None


# --- durations -------------------------------------------------------------------------

_UNITS = {"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "std": 3600,
          "stunde": 3600, "stunden": 3600, "m": 60, "min": 60, "mins": 60, "minute": 60,
          "minutes": 60, "minuten": 60, "s": 1, "sec": 1, "secs": 1, "second": 1,
          "seconds": 1, "sek": 1, "sekunde": 1, "sekunden": 1}
_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+)\.?\s*")
_CLOCK = re.compile(r"(\d{1,9}):([0-5]\d)(?::([0-5]\d))?")


def number(value: str) -> float:
    """A decimal number with a point or a comma ("47,5", "1.234,5", "1,234.5")."""
    text = value.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:
        decimal = "," if text.rindex(",") > text.rindex(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise ValueError(value)
    return float(text)


# No online session lasts longer; a larger duration is a broken cell, not attendance.
MAX_SESSION_SECONDS = 7 * 24 * 3600


def duration_seconds(value: str, line: int) -> int:
    """Seconds in "1h 27m 51s", "1 Std. 27 Min.", "01:27:51", or a number of minutes."""
    seconds = _seconds(value.strip().casefold())
    if seconds is None:
        raise ParseError(line, _l("“%(value)s” is not a duration (for example 1h 27m 51s, "
                                  "01:27:51 or a number of minutes such as 47,5).",
                                  value=value))
    if not seconds <= MAX_SESSION_SECONDS:  # also refuses inf and nan
        raise ParseError(line, _l("“%(value)s” is longer than a week; no online session "
                                  "lasts that long.", value=value))
    return round(seconds)


def _seconds(text: str) -> float | None:
    try:
        return number(text) * 60
    except ValueError:
        pass
    clock = _CLOCK.fullmatch(text)
    if clock:
        hours, minutes, seconds = (int(g or 0) for g in clock.groups())
        return hours * 3600 + minutes * 60 + seconds
    parts = _PART.findall(text)
    if parts and "".join(_PART.sub("", text).split()) == "" and \
            all(unit in _UNITS for _, unit in parts):
        return sum(number(n) * _UNITS[unit] for n, unit in parts)
    return None
