"""Calendar invitations as they were written into the outbox."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.extensions import db


class CalendarInvite(db.Model):
    """The invitation (REQUEST or CANCEL) of one outbox message, fixed when it was queued.

    It is attached when the message is sent (``calendar.invites``), so every retry carries
    the same bytes, and the invitation agrees with the text beside it. It holds no personal
    data: the ATTENDEE is added while sending, so erasing a person leaves nothing here. The
    rows of one registration are also the ledger of SEQUENCE numbers sent to that person.
    """

    __tablename__ = "calendar_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), unique=True, nullable=False)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), nullable=False, index=True)
    method: Mapped[str] = mapped_column(String(10), nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    partstat: Mapped[str] = mapped_column(String(20), nullable=False)
    ics: Mapped[str] = mapped_column(Text, nullable=False)
