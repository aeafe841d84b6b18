"""The public read API's answers kept per process for ``API_PUBLIC_CACHE_SECONDS`` (2 s):
a list that thousands of pages and scripts ask for when an event is announced is built
once per process and moment, not once per request (bench/api_bench.py).

Public data only, the same for everyone. A change to an event, its agenda or speakers, or
an organization flushed in this process empties the store at once; other processes see
it within those seconds, as the registration pages' store of events
(``events.queries.bookable_event``)."""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from itertools import chain
from typing import TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from eventhub.events.models import AgendaItem, Event, Speaker
from eventhub.extensions import db
from eventhub.organizations.models import Organization

T = TypeVar("T")
_STORE = "eventhub.api.public"
_SHOWN = (Event, AgendaItem, Speaker, Organization)
MAX_ENTRIES = 1000  # distinct filter combinations kept; beyond, the store starts afresh


def cached(key: Hashable, build: Callable[[], T]) -> T:
    seconds = current_app.config["API_PUBLIC_CACHE_SECONDS"]
    if seconds <= 0:
        return build()
    store: dict = current_app.extensions.setdefault(_STORE, {})
    kept = store.get(key)
    now = time.monotonic()
    if kept is not None and kept[0] > now:
        return kept[1]
    value = build()
    if len(store) >= MAX_ENTRIES:
        store.clear()
    store[key] = (now + seconds, value)
    return value


@sa_event.listens_for(db.session, "after_flush")
def _forget(session: Session, flush_context) -> None:
    if has_app_context() and any(isinstance(obj, _SHOWN) for obj in chain(
            session.new, session.dirty, session.deleted)):
        current_app.extensions.pop(_STORE, None)
