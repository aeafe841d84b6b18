"""Accounts: authentication, password changes, user creation."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from eventhub import audit
from eventhub.auth import sessions
from eventhub.auth.models import Role, User
from eventhub.errors import RuleViolation
from eventhub.extensions import db
from eventhub.organizations.models import Organization

MIN_PASSWORD_LENGTH = 10


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Compared against when the e-mail is unknown, so that the answer takes as long as for
    # a known address and does not reveal which accounts exist.
    return generate_password_hash(secrets.token_hex(16))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) ==
                                                normalize_email(email)))


def authenticate(email: str, password: str, now: datetime) -> User | None:
    """The account if the password is right. A failed attempt on an account is audited
    with that account; one for an unknown address without it (the typed address is not
    kept: it may be anybody's)."""
    user = find_user(email)
    if user is None or not user.active or user.invitation_pending:
        check_password_hash(_dummy_hash(), password)
        audit.record(None, "auth.login_failed", now,
                     target=("user", user.id) if user else None,
                     organization_id=user.organization_id if user else None,
                     details={"reason": "unknown" if user is None else "inactive"})
        return None
    if not user.check_password(password):
        audit.record(None, "auth.login_failed", now, target=("user", user.id),
                     organization_id=user.organization_id,
                     details={"reason": "password"})
        return None
    user.last_login_at = now
    db.session.flush()
    return user


def log_in(email: str, password: str, *, now: datetime, user_agent: str,
           max_age: timedelta) -> User | None:
    """Check the password and start a login (``user.get_id()`` then gives its token)."""
    user = authenticate(email, password, now)
    if user is None:
        return None
    return start_login(user, now=now, user_agent=user_agent, max_age=max_age)


def start_login(user: User, *, now: datetime, user_agent: str, max_age: timedelta) -> User:
    """A login for ``user``, whose password (and second factor) were checked."""
    # Logins are rare and the delete uses an index: expired rows go here, not in a job.
    sessions.purge(now, max_age)
    sessions.start(user, now, user_agent)
    audit.record(user, "auth.login", now, target=("user", user.id),
                 organization_id=user.organization_id)
    return user


def check_new_password(password: str, *, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolation(_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
                            "new_password")
    if email and password.strip().lower() == normalize_email(email):
        raise RuleViolation(_l("The password must not be your e-mail address."),
                            "new_password")


def change_password(user: User, current: str, new: str, *, now: datetime,
                    user_agent: str = "") -> None:
    """Set a new password; every login of ``user`` ends and a new one starts for the
    caller's browser (``user.get_id()`` gives its token)."""
    if not user.check_password(current):
        raise RuleViolation(_l("The current password is not correct."), "current_password")
    check_new_password(new, email=user.email)
    user.set_password(new)
    db.session.flush()
    sessions.renew(user, now, user_agent)
    audit.record(user, "auth.password_change", now, target=("user", user.id),
                 organization_id=user.organization_id)


def log_out(user: User, now: datetime | None = None) -> None:
    """End the login ``user`` is using; their others stay."""
    if user.login_session is not None:
        sessions.end(user.login_session)
        user.login_session = user.login_token = None
        audit.record(user, "auth.logout", now, target=("user", user.id),
                     organization_id=user.organization_id)


def log_out_everywhere(user: User, now: datetime | None = None) -> int:
    """End every login of ``user``, this one too. Returns how many there were."""
    ended = sessions.end_all(user)
    audit.record(user, "auth.logout_everywhere", now, target=("user", user.id),
                 organization_id=user.organization_id, details={"logins_ended": ended})
    return ended


def create_user(*, email: str, name: str, password: str, role: Role,
                organization: Organization | None) -> User:
    if find_user(email) is not None:
        raise RuleViolation(_l("An account with this e-mail address exists already."), "email")
    if role is Role.ORGANIZER and organization is None:
        raise RuleViolation(_l("An organizer needs an organization."), "organization")
    try:
        check_new_password(password, email=email)
    except RuleViolation as exc:
        raise RuleViolation(exc.message, "password") from None
    user = User(email=normalize_email(email), name=name.strip(), role=role,
                organization=organization)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
