"""Two-factor login: TOTP (RFC 6238, pyotp) and ten one-time recovery codes.

A code is accepted within one time step either side of now (clocks drift), and never twice:
the account keeps the last step it accepted. Recovery codes are random and stored as
SHA-256 hashes (they are long enough that a hash cannot be reversed by guessing); each
works once.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import delete, select

from eventhub import audit
from eventhub.auth import sessions
from eventhub.auth.models import RecoveryCode, Role, User
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.extensions import db

ISSUER = "eventhub"
PENDING = "eventhub.2fa_pending"  # the Flask session's key between password and code
MAX_TRIES = 5  # wrong codes per password entry; then the password is asked again
RECOVERY_CODES = 10
WINDOW = 1  # time steps either side of now


def enabled(user: User) -> bool:
    return user.totp_enabled_at is not None


def required(user: User, require_setting: bool) -> bool:
    """EVENTHUB_REQUIRE_2FA makes it compulsory for admins and coordinators."""
    return require_setting and user.role in (Role.ADMIN, Role.COORDINATOR)


def start_enrolment(user: User) -> str:
    """A new secret, not in force until a code from it is confirmed."""
    if enabled(user):
        raise RuleViolation(_l("Two-factor login is on already."))
    user.totp_secret = pyotp.random_base32()
    db.session.flush()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The QR code of the secret as inline SVG, drawn here: no outside service sees it."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#1b1f24", light="#ffffff")
    return Markup(svg)  # noqa: S704  (segno's own markup, from our own URI)


def _step(secret: str, code: str, now: datetime) -> int | None:
    """The time step ``code`` belongs to, within the window, or None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    here = totp.timecode(now)
    for step in range(here - WINDOW, here + WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm_enrolment(user: User, code: str, now: datetime) -> list[str]:
    """Turn it on with a first code; returns the recovery codes (shown once)."""
    if user.totp_secret is None or enabled(user):
        raise RuleViolation(_l("Start again: open the page for two-factor login."))
    step = _step(user.totp_secret, code, now)
    if step is None:
        raise RuleViolation(_l("This code is not correct. Enter the current code of the "
                               "app."), "code")
    user.totp_enabled_at, user.totp_last_step = now, step
    codes = _new_recovery_codes(user, now)
    audit.record(user, "auth.2fa_enabled", now, target=("user", user.id),
                 organization_id=user.organization_id)
    return codes


def _hash(user_id: int, code: str) -> str:
    normal = "".join(code.split()).replace("-", "").lower()
    return hashlib.sha256(f"{user_id}:{normal}".encode()).hexdigest()


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(6)  # 48 bits
        codes.append(f"{raw[:6]}-{raw[6:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(user.id, raw)))
    db.session.flush()
    return codes


def verify(user: User, code: str, now: datetime) -> bool:
    """A TOTP code not used before, or an unused recovery code (then used up)."""
    if not enabled(user):
        return False
    step = _step(user.totp_secret, code, now)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            _failed(user, now, "replayed")
            return False
        user.totp_last_step = step
        db.session.flush()
        return True
    recovery = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(user.id, code),
        RecoveryCode.used_at.is_(None)))
    if recovery is None:
        _failed(user, now, "wrong code")
        return False
    recovery.used_at = now
    db.session.flush()
    audit.record(user, "auth.recovery_code_used", now, target=("user", user.id),
                 organization_id=user.organization_id)
    return True


def _failed(user: User, now: datetime, reason: str) -> None:
    audit.record(None, "auth.login_failed", now, target=("user", user.id),
                 organization_id=user.organization_id, details={"reason": reason})


def recovery_codes_left(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def disable(user: User, password: str, now: datetime, *, require_setting: bool) -> None:
    """The account's own choice, with its password; not where it is required."""
    if required(user, require_setting):
        raise RuleViolation(_l("Two-factor login is required for your account."))
    if not user.check_password(password):
        raise RuleViolation(_l("The current password is not correct."), "password")
    _clear(user)
    audit.record(user, "auth.2fa_disabled", now, target=("user", user.id),
                 organization_id=user.organization_id)


def reset(actor: User, target: User, now: datetime) -> None:
    """An admin removes a lost second factor; the person enrols again at the next login
    (where it is required) and every login of theirs ends."""
    if actor.role is not Role.ADMIN or not actor.active:
        raise NotPermitted
    if actor.id == target.id:
        raise RuleViolation(_l("Turn your own two-factor login off on your password page."))
    _clear(target)
    sessions.end_all(target)
    audit.record(actor, "account.2fa_reset", now, target=("user", target.id),
                 organization_id=target.organization_id)


def _clear(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
