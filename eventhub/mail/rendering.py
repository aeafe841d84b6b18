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
from email import policy as email_policy
from email.errors import HeaderParseError
from email.headerregistry import Address, HeaderRegistry
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
           session: Session | None = None, *,
           provided: dict[str, dict[str, Any]] | None = None) -> tuple[str, str, str]:
    """Subject (one line: no header injection via titles), plain text and HTML.

    ``provided``: what the context providers gave per language, kept across the messages
    of one batch (a sender renders many in the same session), so they run once each."""
    with force_locale(language):
        shared = provided.get(language) if provided is not None else None
        if shared is None:
            shared = {}
            for provider in _context_providers:  # an earlier provider's names win
                shared = {**provider(session), **shared}
            if provided is not None:
                provided[language] = shared
        context = {**shared, **context}
        subject = render_template(f"emails/{template}.subject.txt", **context)
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
    return " ".join(subject.split()), text, html


Renderer = Callable[["OutboxMessage", Session], dict[str, Any]]
# Reads ahead, in one go, what the contexts of a batch's messages of one kind need; returns
# what it read, which is kept with the session (that holds loaded objects only while
# something refers to them).
LoadAhead = Callable[[list["OutboxMessage"], Session], object]
_renderers: dict[str, Renderer] = {}
_loaders: dict[str, LoadAhead] = {}


def register_renderer(kind: str, context_for: Renderer, *,
                      load_ahead: LoadAhead | None = None) -> None:
    """``context_for(message, session)`` gives the template context of an unrendered
    message of ``kind`` when it is sent, read through ``session``, or raises
    ``InvalidMessage`` if the message cannot be sent any more. ``load_ahead(messages,
    session)``, if given, reads for a whole batch what ``context_for`` would read per
    message; ``context_for`` must give the same without it."""
    _renderers[kind] = context_for
    if load_ahead is not None:
        _loaders[kind] = load_ahead


def load_ahead(messages: list[OutboxMessage], session: Session) -> None:
    """Run the registered loaders over the unrendered messages of their kind; what they
    read stays with ``session`` while it lasts, for the renderers to find there."""
    by_kind: dict[str, list[OutboxMessage]] = {}
    for message in messages:
        if message.kind in _loaders:
            by_kind.setdefault(message.kind, []).append(message)
    kept = session.info.setdefault("loaded_ahead", [])
    for kind, group in by_kind.items():
        kept.append(_loaders[kind](group, session))


def render_unrendered(message: OutboxMessage, session: Session, *,
                      provided: dict[str, dict[str, Any]] | None = None) -> None:
    """Fill in subject and bodies of a message stored by ``queue_unrendered`` (in memory;
    the sender stores them before the first attempt). ``provided``: see ``render``."""
    if message.kind not in _renderers:
        raise InvalidMessage(f"no renderer for messages of kind {message.kind!r}")
    context = _renderers[message.kind](message, session)
    message.subject, message.body_text, message.body_html = render(
        message.kind, context, message.language, session, provided=provided)
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


class _HeaderClasses(HeaderRegistry):
    """The standard header classes, each made once: CPython's registry makes a new class
    for every header it parses, half the cost of building a message."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


# The standard policy (it encodes non-ASCII headers and refuses line breaks in them).
POLICY = email_policy.default.clone(header_factory=_HeaderClasses())


def build_message(message: OutboxMessage, sender: str) -> EmailMessage:
    """multipart/alternative (text, HTML, plus registered parts) with safe headers.

    The default policy encodes non-ASCII headers and refuses header values with line
    breaks; we check first anyway, so that a bad row fails clearly instead of half-built.
    """
    if message.unrendered:
        raise InvalidMessage("the text has not been rendered yet")
    mime = EmailMessage(policy=POLICY)
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
