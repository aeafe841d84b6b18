"""Organizer accounts."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from eventhub.db import TimestampMixin, UTCDateTime, enum_column
from eventhub.extensions import db
from eventhub.organizations.models import Organization

USER_AGENT_LENGTH = 200  # enough to tell browsers apart; the rest is noise


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"  # sees every organization
    ORGANIZER = "organizer"  # their own organization only


class User(TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[Role] = mapped_column(
        enum_column(Role, "user_role"), nullable=False, default=Role.ORGANIZER)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # True while an invitation is open: the person has not chosen a password yet, and the
    # account cannot log in (its password hash is of a random one nobody knows).
    invitation_pending: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                     server_default=false())
    # Two-factor login (auth.twofactor): the TOTP secret (base32), when it was confirmed
    # (None: not in use, or enrolment not finished), and the last time step accepted, so
    # that a code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    organization: Mapped[Organization | None] = relationship(lazy="joined")

    # Not columns: the login this request runs under, set by auth.sessions when a login
    # starts or is loaded from the cookie. The raw token exists only in the cookie.
    login_session = None  # LoginSession | None
    login_token = None  # str | None

    # Flask-Login, written out instead of UserMixin, whose == compares get_id(): two users
    # without a login would be "equal". Identity (the session's identity map) is enough.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login keeps this in the session cookie
        if self.login_token is None:
            raise RuntimeError("log in through eventhub.auth.sessions.start")
        return self.login_token

    @property
    def sees_all_organizations(self) -> bool:
        return self.role in (Role.ADMIN, Role.COORDINATOR)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginSession(db.Model):
    """One login: the session cookie carries a random token, the table only its SHA-256,
    so that a copy of the table opens no account. Deleting the row ends the login."""
    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_LENGTH), nullable=False,
                                            default="")

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} of user {self.user_id}>"


class RecoveryCode(db.Model):
    """A one-time code for when the authenticator is lost; only its hash is kept."""
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
