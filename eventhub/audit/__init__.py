"""The audit trail: who changed or exported what, written in the change's own transaction.

Entries name participants by their registration's id only, never by name or address, so
that erasing a person leaves no copy of their data here.
"""

from eventhub.audit.services import changes, record, snapshot

__all__ = ["changes", "record", "snapshot"]
