"""Organizer accounts."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from eventhub.db import TimestampMixin, UTCDateTime, enum_column
from eventhub.extensions import db
from eventhub.organizations.models import Organization


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"  # sees every organization
    ORGANIZER = "organizer"  # their own organization only


def _new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[Role] = mapped_column(
        enum_column(Role, "user_role"), nullable=False, default=Role.ORGANIZER)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Flask-Login stores this instead of the id, so a password change ends all other sessions.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, nullable=False,
                                               default=_new_session_token)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization | None] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login
        return self.session_token

    @property
    def sees_all_organizations(self) -> bool:
        return self.role in (Role.ADMIN, Role.COORDINATOR)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_token = _new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
