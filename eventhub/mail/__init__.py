"""The outbox: e-mail is written in the same transaction as the change that causes it and
delivered after commit by a sender that retries with backoff (DESIGN.md §3 rule 2).

The rest of the app uses what this package exports; its modules are:

- ``outbox``: queueing in the caller's transaction, the model, rendering, building and
  transports (split further in the next step);
- ``delivery``: claiming due messages, sending them, the sender thread and ``send-mail``;
- ``outcomes``: recording each outcome while the claim is ours, renewing the claim's lease;
- ``checks``: "still worth sending?" checks per kind, asked just before sending.
"""
from eventhub.mail.checks import Verdict, register_send_check
from eventhub.mail.delivery import (
    deliver_all_due,
    deliver_due,
    register_batch_loader,
    send_mail,
    stop_sender,
    wake_sender,
)
from eventhub.mail.outbox import (
    FileTransport,
    InvalidMessage,
    MessageRefused,
    MessageStatus,
    OutboxMessage,
    Part,
    SMTPTransport,
    TransportDown,
    Unrendered,
    build_message,
    describe_error,
    forget_recipient,
    open_transport,
    queue,
    queue_unrendered,
    refusal,
    register_parts,
    register_renderer,
    render,
    render_unrendered,
    unrendered_rows,
)
from eventhub.mail.outcomes import DeliveryReport, SkipRecorder

__all__ = [
    "DeliveryReport", "FileTransport", "InvalidMessage", "MessageRefused", "MessageStatus",
    "OutboxMessage", "Part", "SMTPTransport", "SkipRecorder", "TransportDown", "Unrendered",
    "Verdict", "build_message", "deliver_all_due", "deliver_due", "describe_error",
    "forget_recipient", "open_transport", "queue", "queue_unrendered", "refusal",
    "register_batch_loader", "register_parts", "register_renderer", "register_send_check",
    "render", "render_unrendered", "send_mail", "stop_sender", "unrendered_rows", "wake_sender",
]
