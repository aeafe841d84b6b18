"""Webhooks per centre: deliveries written in the transaction of the change (``outbox``),
sent by the scheduler with retries and backoff (``delivery``), signed (``signing``), to
addresses that cannot lead inside (``targets``). The pages on which a centre manages its
endpoints are part of ``eventhub.api`` (``webhook_views``); this package sits low, so
that the features can report their changes to it."""
from __future__ import annotations

from eventhub.webhooks.outbox import KINDS, emit

__all__ = ["KINDS", "emit"]
