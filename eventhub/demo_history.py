"""The demo's past year: events of every organizer with registrations and attendance, so
that the coordinator's first look at the report shows real patterns.

``plan`` is a pure function of the organizers, "now" and a seed: the same input gives the
same events, people, registrations and attendance, whatever the day (dates are relative to
``now``, the app's clock). ``write`` puts them into the database with a few bulk INSERTs
(Core rows, no ORM objects per registration), so ``make run`` stays fast.

The patterns it draws: each centre reaches mostly its own Land, the coordinating centre
everyone; the Haus der Selbstständigen mostly solo self-employed people, the centres mostly
small companies; workshops turn more registrations into attendance than webinars; a core
of people comes back, to their centre and to others; attendance grows over the year.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from eventhub import timeutil
from eventhub.attendance.models import WALK_IN, Attendance, AttendanceSource
from eventhub.events.models import Event, EventFormat, EventStatus
from eventhub.extensions import db
from eventhub.registration.models import OrganizationSize, Registration, new_token_key
from eventhub.registration.models import RegistrationStatus as S

SEED = 2026
EVENTS_PER_ORGANIZER = 17  # about one every three weeks over the past year
PEOPLE = 2400
EMAIL_DOMAIN = "teilnehmende.demo.eventhub.invalid"
F = EventFormat
Z = OrganizationSize

TOPICS = (
    ("KI-Werkzeuge im Büroalltag", F.WEBINAR, 90),
    ("Digitale Buchhaltung und E-Rechnung", F.WEBINAR, 60),
    ("Datenschutz im Kleinbetrieb", F.WORKSHOP, 180),
    ("Fachkräfte finden mit Social Media", F.ONLINE_TALK, 60),
    ("Mobiles Arbeiten gut gestalten", F.HYBRID, 150),
    ("IT-Sicherheit: Phishing erkennen", F.WEBINAR, 60),
    ("Prozesse digitalisieren Schritt für Schritt", F.WORKSHOP, 240),
    ("Weiterbildung im Betrieb planen", F.ONLINE_TALK, 60),
    ("Cloud oder eigener Server?", F.WEBINAR, 90),
    ("Beteiligung der Beschäftigten bei neuer Software", F.WORKSHOP, 180),
)
# Who an organizer reaches: share of its own Land, and weights of the sizes.
SIZES = (Z.SOLO, Z.MICRO, Z.SMALL, Z.MEDIUM, Z.LARGE)
CENTRE_SIZES = (12, 34, 30, 16, 8)
REACH = {
    "zentrum-digitale-arbeit": (0.15, (14, 28, 28, 20, 10)),
    "haus-der-selbststaendigen": (0.45, (70, 18, 8, 3, 1)),
}
LAENDER = ("DE-BB", "DE-BE", "DE-BW", "DE-BY", "DE-HB", "DE-HE", "DE-HH", "DE-MV", "DE-NI",
           "DE-NW", "DE-RP", "DE-SH", "DE-SL", "DE-SN", "DE-ST", "DE-TH")
EAST = ("DE-BB", "DE-BE", "DE-MV", "DE-SN", "DE-ST", "DE-TH")
ROLES = {
    Z.SOLO: ("Solo-Selbstständige", "Freiberufliche Grafikerin", "Inhaber", "Coach",
             "Freiberuflicher Übersetzer", ""),
    None: ("Geschäftsführerin", "Geschäftsführer", "Inhaberin", "Betriebsrat",
           "Personalleiterin", "Referentin Weiterbildung", "Mitarbeiter Vertrieb",
           "Sachbearbeiterin", "Projektleiter", "IT-Administrator", "Meister", "",
           "Assistenz der Geschäftsleitung", "Ausbildungsleiter"),
}
FIRST = ("Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannes", "Ines", "Jonas",
         "Katrin", "Lukas", "Mia", "Nils", "Olga", "Paul", "Rita", "Sven", "Tanja", "Uwe",
         "Vera", "Wolfgang", "Yasemin", "Zoe")
LAST = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann",
        "Schulz", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz",
        "Zimmermann", "Braun", "Krüger", "Hartmann", "Lange", "Werner", "Krause", "Lehmann")


@dataclass(frozen=True)
class Person:
    number: int
    first_name: str
    last_name: str
    region: str
    size: OrganizationSize
    role: str

    @property
    def email(self) -> str:
        return f"{self.first_name.lower()}.{self.number}@{EMAIL_DOMAIN}".replace(
            "ü", "ue").replace("ö", "oe").replace("ä", "ae")


@dataclass
class PlannedEvent:
    organization_slug: str
    slug: str
    title: str
    format: EventFormat
    starts_at: datetime
    minutes: int
    # (person, status, attended: True/False/None for no record, minutes, walk-in)
    registrations: list[tuple[Person, S, bool | None, int | None, bool]] = field(
        default_factory=list)


def _people(rng: random.Random) -> list[Person]:
    people = []
    for number in range(PEOPLE):
        size = rng.choices(SIZES, CENTRE_SIZES)[0]
        region = rng.choice(EAST) if rng.random() < 0.8 else rng.choice(LAENDER)
        if rng.random() < 0.02:
            region = "ABROAD"
        role = rng.choice(ROLES[Z.SOLO] if size is Z.SOLO else ROLES[None])
        people.append(Person(number, rng.choice(FIRST), rng.choice(LAST), region, size, role))
    return people


def _audience(rng: random.Random, buckets: dict[OrganizationSize, list[Person]], home: str,
              slug: str, regulars: list[Person], count: int) -> list[Person]:
    """Who registers: some regulars (people come back), then people the organizer reaches
    (the sizes it reaches, from its own Land or from elsewhere)."""
    own_share, sizes = REACH.get(slug, (0.7, CENTRE_SIZES))
    chosen: dict[int, Person] = {}
    for person in rng.sample(regulars, min(len(regulars), count // 4)):
        chosen[person.number] = person
    while len(chosen) < count:
        bucket = buckets[rng.choices(SIZES, sizes)[0]]
        local = rng.random() < own_share
        for _try in range(20):
            person = rng.choice(bucket)
            if (person.region == home) == local:
                break
        chosen[person.number] = person
    return list(chosen.values())


def _outcome(rng: random.Random, fmt: EventFormat, minutes: int, progress: float):
    """(status, attended, minutes) of one registration at a past event."""
    roll = rng.random()
    if roll < 0.05:
        return S.EXPIRED, None, None
    if roll < 0.14:
        return S.CANCELLED, None, None
    show = {F.WORKSHOP: 0.78, F.HYBRID: 0.68, F.ONLINE_TALK: 0.6, F.WEBINAR: 0.55}[fmt]
    show += 0.1 * progress  # the centres get better at it over the year
    if rng.random() < show:
        stayed = None if fmt in (F.WORKSHOP, F.HYBRID) else rng.randint(minutes // 3, minutes)
        return S.CONFIRMED, True, stayed
    if fmt in (F.WORKSHOP, F.HYBRID) or rng.random() < 0.3:
        return S.CONFIRMED, False, None if fmt in (F.WORKSHOP, F.HYBRID) else \
            rng.randint(1, 9)
    return S.CONFIRMED, None, None


def _calendar(organizations: list[str], now: datetime) -> list[PlannedEvent]:
    """About one event every three weeks per organizer over the past year, by start."""
    today = timeutil.to_local(now, "Europe/Berlin").replace(hour=0, minute=0, second=0,
                                                             microsecond=0, tzinfo=None)
    events = []
    for k, slug in enumerate(sorted(organizations)):
        for i in range(EVENTS_PER_ORGANIZER):
            title, fmt, minutes = TOPICS[(i + k * 3) % len(TOPICS)]
            local = today - timedelta(days=360 - i * 21 - k * 2) + timedelta(hours=9 + i % 6)
            events.append(PlannedEvent(slug, f"{slug}-rueckblick-{i + 1:02d}", title, fmt,
                                       timeutil.from_local(local, "Europe/Berlin"), minutes))
    return sorted(events, key=lambda e: (e.starts_at, e.slug))


def plan(organizations: dict[str, tuple[str, str]], now: datetime,
         seed: int = SEED) -> list[PlannedEvent]:
    """The past year's events: ``organizations`` maps slug -> (short name, Land)."""
    rng = random.Random(seed)
    people = _people(rng)
    buckets = {size: [p for p in people if p.size is size] for size in SIZES}
    events = _calendar(list(organizations), now)
    regulars, known = [], set()
    for index, event in enumerate(events):
        progress = index / max(len(events) - 1, 1)
        audience = _audience(rng, buckets, organizations[event.organization_slug][1],
                             event.organization_slug, regulars,
                             rng.randint(14, 40) + int(20 * progress))
        for person in audience:
            status, attended, stayed = _outcome(rng, event.format, event.minutes, progress)
            event.registrations.append((person, status, attended, stayed, False))
            if attended and person.number not in known and rng.random() < 0.3:
                regulars.append(person)
                known.add(person.number)
        if event.format in (F.WORKSHOP, F.HYBRID):  # a few came without registering
            for person in rng.sample(people, rng.randint(0, 2)):
                if person not in audience:
                    event.registrations.append((person, S.CONFIRMED, True, None, True))
    return events


def _registration_row(event_id: int, planned: PlannedEvent, entry, rng: random.Random) -> dict:
    person, status, _attended, _minutes, walk_in = entry
    registered = planned.starts_at - timedelta(days=rng.randint(1, 30), minutes=rng.randint(0,
                                                                                             600))
    return {
        "event_id": event_id, "status": status, "email": person.email,
        "first_name": person.first_name, "last_name": person.last_name,
        "organization_name": "" if person.size is Z.SOLO else f"Betrieb {person.last_name}",
        "job_role": person.role,
        "organization_size": Z.UNSTATED if walk_in else person.size,
        "region_code": "UNSTATED" if walk_in else person.region, "language": "de",
        "source": WALK_IN if walk_in else "form", "consent_version": "demo",
        "consented_at": registered, "email_verified_at": None if status is S.EXPIRED
        else registered, "confirmed_at": registered if status is S.CONFIRMED else None,
        "cancelled_at": planned.starts_at - timedelta(days=1) if status is S.CANCELLED
        else None,
        "token_key": new_token_key(), "created_at": registered, "updated_at": registered,
    }


def write(events: list[PlannedEvent], organization_ids: dict[str, int], now: datetime,
          genitive: dict[str, str]) -> tuple[int, int]:
    """Insert the planned events that are not there yet; (events, registrations) added.
    ``genitive`` names each organizer for "ein Angebot des …"."""
    existing = set(db.session.scalars(select(Event.slug).where(
        Event.slug.in_([e.slug for e in events]))))
    new = [e for e in events if e.slug not in existing]
    if not new:
        return 0, 0
    db.session.execute(insert(Event.__table__), [{
        "slug": e.slug, "title": e.title, "format": e.format,
        "organization_id": organization_ids[e.organization_slug],
        "summary": f"{e.title} – ein Angebot {genitive[e.organization_slug]}.",
        "starts_at": e.starts_at, "ends_at": e.starts_at + timedelta(minutes=e.minutes),
        "timezone": "Europe/Berlin", "status": EventStatus.PUBLISHED,
        "published_at": e.starts_at - timedelta(days=45), "capacity": 120,
        "online_join_url": None if e.format is F.WORKSHOP
        else f"https://meet.example.org/{e.slug}",
        "venue": "Vor Ort und online" if e.format is F.HYBRID else None,
    } for e in new])
    ids = dict(db.session.execute(select(Event.slug, Event.id).where(
        Event.slug.in_([e.slug for e in new]))).all())
    rng = random.Random(SEED + 1)
    rows = [_registration_row(ids[e.slug], e, entry, rng)
            for e in new for entry in e.registrations]
    db.session.execute(insert(Registration.__table__), rows)
    _attendance(new, ids)
    return len(new), len(rows)


def _attendance(new: list[PlannedEvent], ids: dict[str, int]) -> None:
    found = {(event_id, email): registration_id
             for registration_id, event_id, email in db.session.execute(
                 select(Registration.id, Registration.event_id, Registration.email)
                 .where(Registration.event_id.in_(list(ids.values()))))}
    rows = []
    for event in new:
        event_id = ids[event.slug]
        source = AttendanceSource.CHECK_IN if event.format in (F.WORKSHOP, F.HYBRID) \
            else AttendanceSource.IMPORT
        for person, _status, attended, minutes, _walk_in in event.registrations:
            if attended is None:
                continue
            rows.append({"registration_id": found[(event_id, person.email)],
                         "attended": attended, "minutes": minutes, "source": source,
                         "first_seen_at": event.starts_at if attended else None,
                         "last_seen_at": None})
    if rows:
        db.session.execute(insert(Attendance.__table__), rows)
