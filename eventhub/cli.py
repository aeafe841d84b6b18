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


@group.command("demo")
def demo() -> None:
    """Load the demo data (centres, Digitaltag dialogue, events). Safe to run twice."""
    from eventhub import demo as demo_data

    result = demo_data.load()
    db.session.commit()
    click.echo(result.summary())


group.add_command(scheduler.scheduler_command)
group.add_command(scheduler.expire_pending_command)
group.add_command(send_mail)
