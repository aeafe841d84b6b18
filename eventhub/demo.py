"""Demo data: the coordinating centre, five regional centres, the Haus der
Selbstständigen, the Digitaltag dialogue, upcoming events, and a past year of events with
registrations and attendance (``demo_history``).

Everything is looked up by a natural key before it is created, so loading twice changes
nothing. Event dates are chosen relative to the first load (the app's clock) and then stay
as they are.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from eventhub import demo_history, timeutil
from eventhub.auth.models import Role, User
from eventhub.events.models import AgendaItem, Event, EventFormat, EventStatus, Speaker
from eventhub.extensions import db
from eventhub.legal import samples
from eventhub.legal import services as legal
from eventhub.organizations.models import Organization, OrganizationKind

DEMO_EMAIL = "organisation@demo.eventhub.invalid"
DEMO_PASSWORD = "digitaltag-demo-2026"
COORDINATOR_EMAIL = "koordination@demo.eventhub.invalid"
ADMIN_EMAIL = "admin@demo.eventhub.invalid"
TZ = "Europe/Berlin"

ORGANIZATIONS = (
    ("zentrum-digitale-arbeit", "Zentrum digitale Arbeit", "ZdA", "DE-BE",
     OrganizationKind.COORDINATION),
    ("zz-brandenburg", "Zukunftszentrum Brandenburg", "ZZ Brandenburg", "DE-BB",
     OrganizationKind.CENTRE),
    ("zz-mecklenburg-vorpommern", "Zukunftszentrum Mecklenburg-Vorpommern", "ZZ MV", "DE-MV",
     OrganizationKind.CENTRE),
    ("zz-sachsen", "Zukunftszentrum Sachsen", "ZZ Sachsen", "DE-SN", OrganizationKind.CENTRE),
    ("zz-sachsen-anhalt", "Zukunftszentrum Sachsen-Anhalt", "ZZ Sachsen-Anhalt", "DE-ST",
     OrganizationKind.CENTRE),
    ("zz-thueringen", "Zukunftszentrum Thüringen", "ZZ Thüringen", "DE-TH",
     OrganizationKind.CENTRE),
    # Planned for solo self-employed people; it organizes events as a centre does (the
    # organization kinds are "centre" and "coordination" only).
    ("haus-der-selbststaendigen", "Haus der Selbstständigen", "HdS", "DE-SN",
     OrganizationKind.CENTRE),
)
# "ein Angebot des …": the genitive of each name, for the demo texts.
GENITIVE = {
    "zentrum-digitale-arbeit": "des Zentrums digitale Arbeit",
    "zz-brandenburg": "des Zukunftszentrums Brandenburg",
    "zz-mecklenburg-vorpommern": "des Zukunftszentrums Mecklenburg-Vorpommern",
    "zz-sachsen": "des Zukunftszentrums Sachsen",
    "zz-sachsen-anhalt": "des Zukunftszentrums Sachsen-Anhalt",
    "zz-thueringen": "des Zukunftszentrums Thüringen",
    "haus-der-selbststaendigen": "des Hauses der Selbstständigen",
}

# Each centre's colour (shown beside its name) and the coordinating centre's contact, which
# every page's footer names.
COLOURS = {"zentrum-digitale-arbeit": "#0b5a8a", "zz-brandenburg": "#b3261e",
           "zz-mecklenburg-vorpommern": "#1f5fa8", "zz-sachsen": "#2e7d32",
           "zz-sachsen-anhalt": "#b26a00", "zz-thueringen": "#6a3d9a",
           "haus-der-selbststaendigen": "#00707a"}
CONTACT_EMAIL = "kontakt@demo.eventhub.invalid"

DIGITALTAG_SLUG = "digitaltag-regionale-impulse"
SPEAKERS = (
    ("Dr. Katrin Lehmann", "Projektleiterin", "zz-brandenburg", "DE-BB",
     "Begleitet Handwerksbetriebe in der Lausitz bei der Einführung digitaler Werkzeuge."),
    ("Jens Petersen", "Berater für digitale Geschäftsprozesse", "zz-mecklenburg-vorpommern",
     "DE-MV", "Arbeitet mit Tourismus- und Hafenbetrieben an der Ostseeküste."),
    ("Anja Richter", "Referentin Weiterbildung", "zz-sachsen", "DE-SN",
     "Entwickelt Lernformate für Beschäftigte in kleinen Industriebetrieben."),
    ("Mehmet Yilmaz", "Transformationslotse", "zz-sachsen-anhalt", "DE-ST",
     "Unterstützt Solo-Selbstständige beim Schritt in digitale Vertriebswege."),
    ("Prof. Dr. Susanne Vogt", "Wissenschaftliche Leitung", "zz-thueringen", "DE-TH",
     "Forscht zu guter digitaler Arbeit in kleinen und mittleren Unternehmen."),
)


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = ([f"created {len(self.created)} records: " + ", ".join(self.created)]
                 if self.created else ["demo data present already; nothing changed"])
        lines.append(f"demo organizer login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
        lines.append(f"demo coordinator login: {COORDINATOR_EMAIL} / {DEMO_PASSWORD}")
        lines.append(f"demo admin login: {ADMIN_EMAIL} / {DEMO_PASSWORD}")
        return "\n".join(lines)


def _organizations(result: DemoResult) -> dict[str, Organization]:
    found = {o.slug: o for o in db.session.scalars(select(Organization))}
    for slug, name, short, region, kind in ORGANIZATIONS:
        if slug not in found:
            found[slug] = Organization(
                slug=slug, name=name, short_name=short, region_code=region, kind=kind,
                colour=COLOURS[slug],
                email=CONTACT_EMAIL if kind is OrganizationKind.COORDINATION else None)
            db.session.add(found[slug])
            result.created.append(f"organization {slug}")
    db.session.flush()
    return found


def _user(email: str, name: str, role: Role, organization: Organization,
          result: DemoResult) -> None:
    if db.session.scalar(select(User).where(User.email == email)) is None:
        user = User(email=email, name=name, role=role, organization=organization)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        result.created.append(f"user {email}")


def _local(day: datetime, hour: int, minute: int = 0) -> datetime:
    return timeutil.from_local(day.replace(hour=hour, minute=minute, second=0,
                                           microsecond=0, tzinfo=None), TZ)


def _event(result: DemoResult, organization: Organization, slug: str, title: str,
           fmt: EventFormat, start: datetime, minutes: int, **extra) -> Event | None:
    if db.session.scalar(select(Event.id).where(Event.slug == slug)) is not None:
        return None
    event = Event(slug=slug, title=title, format=fmt, organization=organization,
                  starts_at=start, ends_at=start + timedelta(minutes=minutes), timezone=TZ,
                  status=EventStatus.PUBLISHED, published_at=timeutil.utcnow(), **extra)
    db.session.add(event)
    result.created.append(f"event {slug}")
    return event


def _digitaltag(result: DemoResult, orgs: dict[str, Organization], day: datetime) -> None:
    start = _local(day, 10)
    event = _event(
        result, orgs["zentrum-digitale-arbeit"], DIGITALTAG_SLUG,
        "Regionale Impulse für die digitale Arbeitswelt von morgen", EventFormat.ONLINE_TALK,
        start, 120, capacity=500,
        summary="Online-Dialog zum Digitaltag: je ein Impuls aus den fünf Zukunftszentren, "
                "moderierte Diskussion und Fragen aus dem Publikum.",
        description="Wie verändert die Digitalisierung die Arbeit in kleinen und mittleren "
                    "Unternehmen in Ostdeutschland? Fünf Zukunftszentren berichten aus ihrer "
                    "Region.\n\nDie Teilnahme ist kostenfrei. Den Zugangslink erhalten Sie "
                    "nach der Anmeldung.",
        online_join_url="https://meet.example.org/digitaltag-dialog")
    if event is None:
        return
    speakers = [Speaker(name=n, role=r, organization_name=orgs[o].name, region_code=reg,
                        bio=bio, position=i)
                for i, (n, r, o, reg, bio) in enumerate(SPEAKERS)]
    event.speakers.extend(speakers)
    slots = [("Begrüßung und Einführung", 0, 10, []),
             ("Regionale Impulse aus den fünf Zukunftszentren", 10, 60, speakers),
             ("Moderierte Diskussion", 60, 95, speakers),
             ("Fragen aus dem Publikum", 95, 115, []),
             ("Ausblick und Verabschiedung", 115, 120, [])]
    for position, (title, begin, end, who) in enumerate(slots):
        event.agenda_items.append(AgendaItem(
            title=title, position=position, speakers=list(who),
            starts_at=start + timedelta(minutes=begin), ends_at=start + timedelta(minutes=end)))


def _other_events(result: DemoResult, orgs: dict[str, Organization], today: datetime) -> None:
    upcoming = [
        ("zz-sachsen", "ki-im-handwerk", "KI im Handwerk: Angebote schneller schreiben",
         EventFormat.WEBINAR, 9, 14, 90, {}),
        ("zz-brandenburg", "datenschutz-kmu-werkstatt",
         "Werkstatt: Datenschutz im Kleinbetrieb", EventFormat.WORKSHOP, 16, 9, 180, {}),
        ("zz-thueringen", "hybrides-arbeiten-erfurt", "Hybrides Arbeiten gestalten",
         EventFormat.HYBRID, 23, 13, 150, {"venue": "Haus der Wirtschaft, Erfurt"}),
        ("zz-mecklenburg-vorpommern", "digitale-kundenkommunikation-tourismus",
         "Digitale Kundenkommunikation im Tourismus", EventFormat.WEBINAR, 30, 10, 60, {}),
        ("zz-sachsen-anhalt", "solo-selbststaendig-digital",
         "Solo-selbstständig und digital sichtbar", EventFormat.ONLINE_TALK, 37, 17, 60, {}),
        ("haus-der-selbststaendigen", "hds-angebote-kalkulieren",
         "Preise kalkulieren als Solo-Selbstständige", EventFormat.WEBINAR, 44, 18, 90, {}),
    ]
    past = [
        ("zz-sachsen", "cloud-grundlagen-rueckblick", "Cloud-Grundlagen für KMU",
         EventFormat.WEBINAR, -21, 10, 90, {}),
        ("zz-brandenburg", "e-rechnung-pflicht", "Die E-Rechnung wird Pflicht",
         EventFormat.ONLINE_TALK, -35, 11, 60, {}),
    ]
    for org, slug, title, fmt, days, hour, minutes, extra in upcoming + past:
        start = _local(today + timedelta(days=days), hour)
        _event(result, orgs[org], slug, title, fmt, start, minutes, capacity=80,
               summary=f"{title} – ein Angebot {GENITIVE[org]}.", **extra)


def _legal_pages(result: DemoResult, now: datetime) -> None:
    """Placeholder texts, marked as such, for the pages that have none yet."""
    for kind, (body_de, body_en) in samples.SAMPLES.items():
        if legal.publish_sample(kind, body_de=body_de, body_en=body_en, now=now):
            result.created.append(f"legal page {kind.value} (placeholder)")


def load(now: datetime | None = None) -> DemoResult:
    result = DemoResult()
    now = now or timeutil.utcnow()
    today = timeutil.to_local(now, TZ)
    orgs = _organizations(result)
    _user(DEMO_EMAIL, "Demo Organisatorin", Role.ORGANIZER, orgs["zentrum-digitale-arbeit"],
          result)
    _user(COORDINATOR_EMAIL, "Demo Koordination", Role.COORDINATOR,
          orgs["zentrum-digitale-arbeit"], result)
    _user(ADMIN_EMAIL, "Demo Administration", Role.ADMIN, orgs["zentrum-digitale-arbeit"],
          result)
    _legal_pages(result, now)
    _digitaltag(result, orgs, today + timedelta(days=14))
    _other_events(result, orgs, today)
    db.session.flush()
    _history(result, orgs, now)
    return result


def _history(result: DemoResult, orgs: dict[str, Organization], now: datetime) -> None:
    """The past year (``demo_history``): a few bulk INSERTs, only for events not there."""
    ours = {slug: orgs[slug] for slug, *_rest in ORGANIZATIONS}
    planned = demo_history.plan({s: (o.short_name or o.name, o.region_code)
                                 for s, o in ours.items()}, now)
    events, registrations = demo_history.write(planned, {s: o.id for s, o in ours.items()},
                                               now, GENITIVE)
    if events:
        result.created.append(f"{events} past events with {registrations} registrations")
