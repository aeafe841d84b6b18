"""The outbox: e-mail is written in the same transaction as the change that causes it and
delivered after commit by a sender that retries with backoff (DESIGN.md §3 rule 2).

The rest of the app uses what this package exports. Its modules, each importing only those
listed after it (checked by import-linter, see pyproject.toml):

- ``outbox``: queueing in the caller's transaction; wakes the sender after commit;
- ``sender``: the sender thread of a process, and the ``send-mail`` command;
- ``delivery``: claiming due messages, sending them, recording each outcome;
- ``checks``: "still worth sending?" checks per kind, asked just before sending;
- ``outcomes``: recording outcomes while the claim is ours; renewing the claim's lease;
- ``rendering``: the text from the templates, the MIME message with its parts;
- ``transport``: SMTP, or .eml files in development; what a server's answer means;
- ``models``: ``OutboxMessage`` and ``MessageStatus``.
"""
from eventhub.mail.checks import Verdict, register_send_check
from eventhub.mail.delivery import deliver_all_due, deliver_due, register_batch_loader
from eventhub.mail.models import MessageStatus, OutboxMessage
from eventhub.mail.outbox import (
    Unrendered,
    forget_recipient,
    queue,
    queue_unrendered,
    unrendered_rows,
)
from eventhub.mail.outcomes import DeliveryReport, SkipRecorder
from eventhub.mail.rendering import (
    InvalidMessage,
    Part,
    build_message,
    register_context,
    register_parts,
    register_renderer,
    render,
    render_unrendered,
)
from eventhub.mail.sender import run_senders, send_mail, stop_sender, wake_sender
from eventhub.mail.transport import (
    FileTransport,
    MessageRefused,
    SMTPTransport,
    TransportDown,
    describe_error,
    open_transport,
    refusal,
)

__all__ = [
    "DeliveryReport", "FileTransport", "InvalidMessage", "MessageRefused", "MessageStatus",
    "OutboxMessage", "Part", "SMTPTransport", "SkipRecorder", "TransportDown", "Unrendered",
    "Verdict", "build_message", "deliver_all_due", "deliver_due", "describe_error",
    "forget_recipient", "open_transport", "queue", "queue_unrendered", "refusal",
    "register_batch_loader", "register_context", "register_parts", "register_renderer",
    "register_send_check", "render", "render_unrendered", "run_senders", "send_mail",
    "stop_sender",
    "unrendered_rows", "wake_sender",
]
