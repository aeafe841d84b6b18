"""What a stored message says, and what it looks like on the wire.

The text comes from ``templates/emails/<kind>.{subject.txt,txt,html}`` in the recipient's
language: at queue time (``outbox.queue``), or, for a message stored without it, when the
sender first claims it (``render_unrendered``, with the context that the renderer registered
for its kind gives). ``build_message`` makes the MIME message with safe headers, plus the
parts registered for its kind; ``transport`` hands it over.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from flask import render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from eventhub.mail.models import OutboxMessage


class InvalidMessage(ValueError):
    """The stored message cannot become a safe e-mail (no recipient, a header with a line
    break): retrying will not help."""


ContextProvider = Callable[[Session | None], dict[str, Any]]
_context_providers: list[ContextProvider] = []


def register_context(provider: ContextProvider) -> None:
    """Add to every e-mail's template context what ``provider(session)`` gives (the legal
    pages' links of every footer). It runs in the e-mail's language and reads through
    ``session``: the sender's own, or None for the caller's (``db.session``)."""
    _context_providers.append(provider)


def render(template: str, context: dict[str, Any], language: str,
           session: Session | None = None) -> tuple[str, str, str]:
    """Subject (one line: no header injection via titles), plain text and HTML."""
    with force_locale(language):
        for provider in _context_providers:
            context = {**provider(session), **context}
        subject = render_template(f"emails/{template}.subject.txt", **context)
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
    return " ".join(subject.split()), text, html


Renderer = Callable[["OutboxMessage", Session], dict[str, Any]]
_renderers: dict[str, Renderer] = {}


def register_renderer(kind: str, context_for: Renderer) -> None:
    """``context_for(message, session)`` gives the template context of an unrendered
    message of ``kind`` when it is sent, read through ``session``, or raises
    ``InvalidMessage`` if the message cannot be sent any more."""
    _renderers[kind] = context_for


def render_unrendered(message: OutboxMessage, session: Session) -> None:
    """Fill in subject and bodies of a message stored by ``queue_unrendered`` (in memory;
    the sender stores them before the first attempt)."""
    if message.kind not in _renderers:
        raise InvalidMessage(f"no renderer for messages of kind {message.kind!r}")
    context = _renderers[message.kind](message, session)
    message.subject, message.body_text, message.body_html = render(
        message.kind, context, message.language, session)
    message.unrendered = False


# -- the message on the wire -------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    """An extra MIME part. ``alternative`` parts stand beside the text and HTML bodies (a
    text/calendar invitation that mail clients show as one); the others are attachments
    (an .ics file)."""

    content: bytes
    maintype: str
    subtype: str
    filename: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    alternative: bool = False


PartProvider = Callable[[OutboxMessage], Iterable[Part]]
_part_providers: dict[str, list[PartProvider]] = {}


def register_parts(kind: str, provider: PartProvider) -> None:
    """Add parts to every message of ``kind`` when it is built for sending.

    Providers run at send time, inside an app context, and on every retry: they must
    return the same parts for the same message.
    """
    _part_providers.setdefault(kind, []).append(provider)


def build_message(message: OutboxMessage, sender: str) -> EmailMessage:
    """multipart/alternative (text, HTML, plus registered parts) with safe headers.

    The default policy encodes non-ASCII headers and refuses header values with line
    breaks; we check first anyway, so that a bad row fails clearly instead of half-built.
    """
    if message.unrendered:
        raise InvalidMessage("the text has not been rendered yet")
    mime = EmailMessage()
    mime["Subject"] = " ".join(message.subject.split())  # one line, whatever is stored
    mime["From"] = sender
    mime["To"] = _recipient(message.to_address)
    mime["Date"] = format_datetime(message.created_at)  # written, not (re)sent: stable
    mime["Message-ID"] = message.message_id
    mime["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    mime["X-Auto-Response-Suppress"] = "All"  # Exchange's own spelling of the same
    # Quoted-printable keeps the message 7-bit clean for servers without 8BITMIME.
    mime.set_content(message.body_text, cte="quoted-printable")
    mime.add_alternative(message.body_html, subtype="html", cte="quoted-printable")
    parts = [p for provider in _part_providers.get(message.kind, ()) for p in provider(message)]
    for part in sorted(parts, key=lambda p: not p.alternative):  # alternatives before mixed
        _add_part(mime, part)
    mime["Content-Language"] = message.language  # last: set_content drops Content-* headers
    return mime


def _recipient(address: str | None) -> Address:
    if not address:
        raise InvalidMessage("no recipient (personal data erased?)")
    if any(c in address for c in "\r\n"):
        raise InvalidMessage("line break in the recipient address")
    try:
        return Address(addr_spec=address)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise InvalidMessage(f"invalid recipient address: {exc}") from None


def _add_part(mime: EmailMessage, part: Part) -> None:
    if part.alternative:
        mime.add_alternative(part.content, maintype=part.maintype, subtype=part.subtype,
                             params=part.params)
    else:
        mime.add_attachment(part.content, maintype=part.maintype, subtype=part.subtype,
                            filename=part.filename, params=part.params)
