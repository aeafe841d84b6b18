"""Logins on the server: each login is a row, so that logging out ends it for good.

The session cookie is signed but lives with the browser: with only the user in it, a copy
taken before "log out" would keep working. The cookie carries a random token instead (as
Flask-Login's user id, see ``User.get_id``), and a login counts only while its row exists.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from eventhub.auth.models import USER_AGENT_LENGTH, LoginSession, User
from eventhub.extensions import db

# last_seen_at is rewritten at most this often: a write per request would cost more than
# the answer to "when was this login last used" is worth.
LAST_SEEN_INTERVAL = timedelta(minutes=5)


def hash_token(token: str) -> str:
    # A plain hash is enough: the tokens are random (256 bits), there is nothing to guess.
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, now: datetime, user_agent: str = "") -> str:
    """A new login for ``user``; returns its token (also set on ``user`` for get_id)."""
    token = secrets.token_urlsafe(32)
    login = LoginSession(user_id=user.id, token_hash=hash_token(token), created_at=now,
                         last_seen_at=now, user_agent=(user_agent or "")[:USER_AGENT_LENGTH])
    db.session.add(login)
    db.session.flush()
    user.login_session, user.login_token = login, token
    return token


def load_user(token: str, now: datetime, max_age: timedelta) -> User | None:
    """The active user whose login has this token, if it is at most ``max_age`` old."""
    row = db.session.execute(
        select(User, LoginSession)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == hash_token(token),
               LoginSession.created_at > now - max_age,
               User.active.is_(True))).first()
    if row is None:
        return None
    user, login = row
    user.login_session, user.login_token = login, token
    return user


def touch(login: LoginSession, now: datetime) -> bool:
    """Note that the login was used; True if that was written (the caller commits)."""
    if now - login.last_seen_at < LAST_SEEN_INTERVAL:
        return False
    # A bulk UPDATE, not an attribute change: if "log out" deleted the row meanwhile, an
    # ORM flush would fail on the missing row, where this just changes nothing.
    db.session.execute(update(LoginSession).where(LoginSession.id == login.id)
                       .values(last_seen_at=now))
    return True


def end(login: LoginSession) -> None:
    """Log out: this login ends."""
    db.session.execute(delete(LoginSession).where(LoginSession.id == login.id))


def end_all(user: User) -> int:
    """Log out everywhere: every login of ``user`` ends. Returns how many there were."""
    result = db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    user.login_session = user.login_token = None
    return result.rowcount


def renew(user: User, now: datetime, user_agent: str = "") -> str:
    """End every login of ``user`` and start a new one here (after a password change: a
    token someone may have copied from this browser before goes too)."""
    end_all(user)
    return start(user, now, user_agent)


def purge(now: datetime, max_age: timedelta) -> int:
    """Delete logins older than ``max_age`` (refused by load_user anyway)."""
    result = db.session.execute(delete(LoginSession)
                                .where(LoginSession.created_at <= now - max_age))
    return result.rowcount
