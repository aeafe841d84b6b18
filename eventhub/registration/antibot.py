"""Stop simple bots without a captcha: a honeypot field and a minimum fill time.

The form carries a signed timestamp of when it was shown; a submission faster than a
person can type, or without a valid stamp, is asked to try again.
"""
from __future__ import annotations

import math
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="eventhub.form-started")


def stamp(now: datetime) -> str:
    return _serializer().dumps(now.timestamp())


def too_fast(value: str | None, now: datetime) -> bool:
    try:
        started = float(_serializer().loads(value or ""))
    except (BadSignature, TypeError, ValueError, OverflowError):
        return True
    # Only a stamp we made can be read here, but a stamp that is no real time is no stamp.
    return not math.isfinite(started) or \
        now.timestamp() - started < current_app.config["REGISTRATION_MIN_FILL_SECONDS"]


def is_bot(honeypot: str | None) -> bool:
    return bool((honeypot or "").strip())
