"""Accounts in the browser: invitations, roles, deactivation, password-reset links.

Who manages whom: admins manage every account; coordinators manage organizers (never
admins or coordinators, and they make no one more than an organizer); organizers manage
nobody. Nobody deactivates their own account or changes their own role: an installation
must not lose its last admin by a click.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from eventhub import audit, links, mail
from eventhub.auth import sessions, tokens
from eventhub.auth.models import Role, User
from eventhub.auth.services import check_new_password, find_user, normalize_email
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.extensions import db
from eventhub.organizations.models import Organization

_GRANTABLE = {Role.ADMIN: (Role.ADMIN, Role.COORDINATOR, Role.ORGANIZER),
              Role.COORDINATOR: (Role.ORGANIZER,)}


def grantable_roles(actor: User) -> tuple[Role, ...]:
    """The roles ``actor`` may give; empty: ``actor`` manages no accounts."""
    return _GRANTABLE.get(actor.role, ()) if actor.active else ()


def manages_accounts(actor: User) -> bool:
    return bool(grantable_roles(actor))


def can_manage(actor: User, target: User) -> bool:
    return target.role in grantable_roles(actor)


def manageable(actor: User) -> list[User]:
    """The accounts ``actor`` manages, by name."""
    roles = grantable_roles(actor)
    if not roles:
        return []
    return list(db.session.scalars(select(User).where(User.role.in_(roles))
                                   .order_by(User.name, User.id)))


def organizations() -> list[Organization]:
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))


def organization(value: str | None) -> Organization | None:
    """The organization a form's choice names (the form checked it is one of them)."""
    return db.session.get(Organization, int(value)) if value else None


def get_manageable(actor: User, user_id: int) -> User | None:
    """The account if ``actor`` manages it, else None (the page answers 404)."""
    user = db.session.get(User, user_id)
    return user if user is not None and can_manage(actor, user) else None


def _check_assignment(actor: User, role: Role, organization: Organization | None) -> None:
    if role not in grantable_roles(actor):
        raise RuleViolation(_l("You may not give this role."), "role")
    if role is Role.ORGANIZER and organization is None:
        raise RuleViolation(_l("An organizer needs an organization."), "organization_id")


def _unusable_password_hash() -> str:
    # Nobody knows this password: the account opens only through the invitation link.
    return generate_password_hash(secrets.token_urlsafe(32))


def invite(actor: User, *, email: str, name: str, role: Role,
           organization: Organization | None, language: str, now: datetime) -> User:
    """A new account without a password, and the e-mail with its invitation link."""
    if not manages_accounts(actor):
        raise NotPermitted
    _check_assignment(actor, role, organization)
    if find_user(email) is not None:
        raise RuleViolation(_l("An account with this e-mail address exists already."),
                            "email")
    user = User(email=normalize_email(email), name=name.strip(), role=role,
                organization=organization, active=True, invitation_pending=True,
                password_hash=_unusable_password_hash())
    db.session.add(user)
    db.session.flush()
    _mail_invitation(user, actor.name, language, now)
    _audit(actor, "account.invite", user, {"role": role, "organization_id": user.organization_id})
    return user


def update(actor: User, target: User, *, name: str, role: Role,
           organization: Organization | None) -> dict[str, tuple]:
    """Change name, role and organization; returns the changed fields (old, new)."""
    if not can_manage(actor, target):
        raise NotPermitted
    if target.id == actor.id and role is not target.role:
        raise RuleViolation(_l("You cannot change your own role."), "role")
    _check_assignment(actor, role, organization)
    changes = {}
    for field, new in (("name", name.strip()), ("role", role),
                       ("organization_id", organization.id if organization else None)):
        old = getattr(target, field)
        if old != new:
            changes[field] = (old, new)
    target.name, target.role, target.organization = name.strip(), role, organization
    db.session.flush()
    if changes:
        _audit(actor, "account.update", target, changes)
    return changes


def deactivate(actor: User, target: User) -> int:
    """The account can no longer log in; every login of it ends now. Returns how many."""
    if not can_manage(actor, target):
        raise NotPermitted
    if target.id == actor.id:
        raise RuleViolation(_l("You cannot deactivate your own account."))
    target.active = False
    db.session.flush()
    ended = sessions.end_all(target)
    _audit(actor, "account.deactivate", target, {"logins_ended": ended})
    return ended


def reactivate(actor: User, target: User) -> None:
    if not can_manage(actor, target):
        raise NotPermitted
    target.active = True
    db.session.flush()
    _audit(actor, "account.reactivate", target)


def send_password_link(actor: User, target: User, *, language: str, now: datetime) -> str:
    """E-mail ``target`` a link to set a password: a new invitation while the first is
    open, else a reset link. Returns which ("invite" or "reset")."""
    if not can_manage(actor, target):
        raise NotPermitted
    if not target.active:
        raise RuleViolation(_l("Reactivate the account first."))
    if target.invitation_pending:
        _mail_invitation(target, actor.name, language, now)
        _audit(actor, "account.invitation_sent", target, now=now)
        return tokens.INVITE
    _mail_reset(target, language, now)
    _audit(actor, "account.reset_link_sent", target, now=now)
    return tokens.RESET


def request_reset(email: str, *, language: str, now: datetime) -> None:
    """"Forgot password": mail a link if an active account has this address. The caller
    answers the same either way, so nothing tells which addresses have accounts."""
    user = find_user(email)
    if user is None or not user.active:
        return
    if user.invitation_pending:
        _mail_invitation(user, None, language, now)
    else:
        _mail_reset(user, language, now)


def accept_invitation(token: str, password: str) -> User:
    """Set the first password through the invitation link (which then stops working)."""
    user = tokens.load(token, tokens.INVITE)
    _set_password(user, password)
    user.invitation_pending = False
    db.session.flush()
    _audit(user, "account.invitation_accepted", user)
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset link; every login of the account ends."""
    user = tokens.load(token, tokens.RESET)
    _set_password(user, password)
    db.session.flush()
    sessions.end_all(user)
    _audit(user, "account.password_reset", user)
    return user


def _set_password(user: User, password: str) -> None:
    check_new_password(password, email=user.email)
    user.set_password(password)


def _audit(actor: User, action: str, target: User, details: dict | None = None, *,
           now: datetime | None = None) -> None:
    audit.record(actor, action, now, target=("user", target.id),
                 organization_id=target.organization_id, details=details)


def _mail_invitation(user: User, inviter: str | None, language: str, now: datetime) -> None:
    url = links.external_url("auth.accept_invitation", token=tokens.make(user, tokens.INVITE),
                             lang=language)
    mail.queue(user.email, "account_invitation",
               {"user": user, "inviter": inviter, "url": url,
                "days": tokens.max_age_seconds(tokens.INVITE) // 86400},
               language=language, now=now)


def _mail_reset(user: User, language: str, now: datetime) -> None:
    url = links.external_url("auth.reset_password", token=tokens.make(user, tokens.RESET),
                             lang=language)
    mail.queue(user.email, "password_reset",
               {"user": user, "url": url,
                "minutes": tokens.max_age_seconds(tokens.RESET) // 60},
               language=language, now=now)
