"""The signature of a delivery: HMAC-SHA256 with the endpoint's secret over
``<timestamp>.<body>``, sent as ``Eventhub-Signature: t=<timestamp>,v1=<hex>``. The
timestamp in the signed text lets the receiver refuse old replays (README, "Webhooks")."""
from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Eventhub-Signature"
DELIVERY_HEADER = "Eventhub-Delivery"
KIND_HEADER = "Eventhub-Event"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does (the README's example in Python); used by the tests."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if "t" not in parts or "v1" not in parts or not parts["t"].isdigit():
        return False
    expected = signature(secret, int(parts["t"]), body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts["v1"])
