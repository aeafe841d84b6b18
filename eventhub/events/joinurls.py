"""The online join link an organizer enters.

It is checked when it is stored (``events.services``) and again wherever it is used (the
join redirect, personal calendar files, e-mails), so that a value stored before the check
existed cannot break a participant's request: a header, an iCalendar URI or an e-mail line
that carried a line break would refuse it, or worse, obey it."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_LENGTH = 1000
# http(s), then anything but whitespace (any Unicode space or line break) and controls.
_SHAPE = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)


def is_valid(url: str) -> bool:
    if len(url) > MAX_LENGTH or not _SHAPE.fullmatch(url):
        return False
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


def usable(url: str | None) -> str | None:
    """``url`` if it may be handed to a participant, else None."""
    return url if url and is_valid(url) else None
