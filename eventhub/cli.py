"""``flask --app wsgi eventhub ...`` commands."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from eventhub import scheduler
from eventhub.auth import services as auth_services
from eventhub.auth.models import Role
from eventhub.errors import RuleViolation
from eventhub.extensions import db
from eventhub.mail import send_mail
from eventhub.organizations.models import Organization

group = AppGroup("eventhub", help="eventhub administration.")


@group.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ORGANIZER.value,
              show_default=True)
@click.option("--organization", "organization_slug", help="Slug of the user's organization.")
@click.password_option(help="At least 10 characters; asked for if not given.")
def create_user(email: str, name: str, role: str, organization_slug: str | None,
                password: str) -> None:
    """Create an organizer, coordinator or admin account."""
    organization = None
    if organization_slug:
        organization = db.session.scalar(select(Organization)
                                         .where(Organization.slug == organization_slug))
        if organization is None:
            known = ", ".join(db.session.scalars(select(Organization.slug)))
            raise click.BadParameter(f"unknown organization; known: {known or 'none'}",
                                     param_hint="--organization")
    try:
        user = auth_services.create_user(email=email, name=name, password=password,
                                         role=Role(role), organization=organization)
    except RuleViolation as exc:
        raise click.UsageError(str(exc.message)) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}.")


@group.command("retention-days")
@click.argument("organization_slug")
@click.argument("days")
def retention_days(organization_slug: str, days: str) -> None:
    """Set a centre's retention period: days after an event's end until its participants'
    personal data is deleted, or "default" for RETENTION_DAYS."""
    organization = db.session.scalar(select(Organization)
                                     .where(Organization.slug == organization_slug))
    if organization is None:
        raise click.BadParameter("unknown organization", param_hint="ORGANIZATION_SLUG")
    if days == "default":
        organization.retention_days = None
    elif days.isdigit() and 0 < int(days) <= 3650:
        organization.retention_days = int(days)
    else:
        raise click.BadParameter("a number of days from 1 to 3650, or 'default'",
                                 param_hint="DAYS")
    db.session.commit()
    click.echo(f"{organization.slug}: {days} days")


@group.command("demo")
def demo() -> None:
    """Load the demo data (centres, Digitaltag dialogue, events). Safe to run twice."""
    from eventhub import demo as demo_data

    result = demo_data.load()
    db.session.commit()
    click.echo(result.summary())


group.add_command(scheduler.scheduler_command)
group.add_command(scheduler.expire_pending_command)
group.add_command(scheduler.purge_personal_data_command)
group.add_command(send_mail)
