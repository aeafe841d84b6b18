"""Documents of the operations that need a personal API token."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field

from eventhub.api.schemas import (
    EventSummary,
    FormatName,
    Id,
    Page,
    Paging,
    Query,
    Strict,
    text,
)

Status = Literal["draft", "published", "cancelled"]
RegistrationStatusName = Literal["pending", "confirmed", "waitlisted", "cancelled", "expired"]
SizeName = Literal["solo", "1-9", "10-49", "50-249", "250+"]
LocalTime = Annotated[datetime, Field(description=(
    "Without an offset: wall-clock time in `timezone`; with one: that instant"))]


class TokenInfo(BaseModel):
    user_id: int
    name: str
    role: Literal["admin", "coordinator", "organizer"]
    organization_id: int | None
    can_write: bool
    expires_at: datetime | None


class ManagedEventQuery(Query):
    status: Status | Literal[""] = ""
    page: Page = 1


class ManagedEvent(EventSummary):
    status: Status  # type: ignore[assignment]  (drafts too)
    organization_id: int
    description: str
    venue: str | None
    capacity: int | None
    double_opt_in: bool
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    published_at: datetime | None
    cancelled_at: datetime | None


class ManagedEventList(BaseModel):
    items: list[ManagedEvent]
    paging: Paging


class EventInput(Strict):
    organization_id: Id
    title: text(200, 1)
    format: FormatName
    starts_at: LocalTime
    ends_at: LocalTime
    timezone: text(64, 1) = "Europe/Berlin"
    summary: text(500) = ""
    description: text(20000) = ""
    online_join_url: text(1000) | None = None
    venue: text(500) | None = None
    capacity: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    registration_opens_at: LocalTime | None = None
    registration_closes_at: LocalTime | None = None
    slug: Annotated[str, Field(max_length=80, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")] | None \
        = None
    double_opt_in: bool = True


class RegistrationQuery(Query):
    q: text(200) = ""
    status: RegistrationStatusName | Literal[""] = ""
    page: Page = 1


class Registration(BaseModel):
    id: int
    status: RegistrationStatusName
    email: str | None
    first_name: str | None
    last_name: str | None
    organization_name: str | None
    organization_size: str
    job_role: str | None
    region: str
    language: str
    source: str
    created_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    waitlist_position: int | None
    answers: dict[str, str]


class RegistrationList(BaseModel):
    items: list[Registration]
    paging: Paging
    counts: dict[str, int]


class RegistrationInput(Strict):
    email: Annotated[EmailStr, Field(max_length=254)]  # checked as the web form checks it
    first_name: text(100, 1)
    last_name: text(100, 1)
    organization_size: SizeName
    region: Annotated[str, Field(max_length=16, pattern=r"^[A-Z-]+$")]
    organization_name: text(200) = ""
    job_role: text(200) = ""
    language: Literal["de", "en"] = "de"
    answers: Annotated[dict[Annotated[str, Field(pattern=r"^[0-9]{1,10}$")],
                            text(5000) | list[text(300)] | bool],
                       Field(max_length=100)] = {}


class RegistrationAction(BaseModel):
    result: str = Field(description="What happened, e.g. confirmed, already, waitlisted")
    registration: Registration


class AttendanceQuery(Query):
    q: text(200) = ""
    page: Page = 1


class AttendanceRow(BaseModel):
    registration_id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    walk_in: bool
    attended: bool | None = Field(description="null: not recorded yet")
    minutes: int | None
    source: str | None


class AttendanceList(BaseModel):
    items: list[AttendanceRow]
    paging: Paging
    counts: dict[str, int]


class AttendanceInput(Strict):
    registration_ids: Annotated[list[Id], Field(min_length=1, max_length=5000)]
    attended: bool


class AttendanceResult(BaseModel):
    marked: int = Field(description="Confirmed registrations of the event that were marked")


class ReportQuery(Query):
    start: date | None = None
    end: date | None = None
    event: Id | None = None
    shared: bool = Field(True, description=(
        "Hide counts from 1 to threshold−1 as in the report's shareable view and its "
        "downloads; false: exact numbers, as the report page shows its owner"))


Cell = int | float | str | None


class ReportRow(BaseModel):
    cells: list[Cell]
    event_id: int | None = None


class ReportTable(BaseModel):
    key: str
    title: str
    head: list[str]
    rows: list[ReportRow]
    total: ReportRow


class Report(BaseModel):
    start: date
    end: date
    timezone: str
    suppressed_below: int = Field(description="Counts below this show as \"<n\"; 0: none")
    rounded_to: int = Field(description="Shown counts are multiples of this (shared figures: "
                                        "no sum or difference gives a hidden count); 1: exact")
    tables: list[ReportTable]
