"""The API's documents as pydantic models: what SpecTree validates and writes into the
OpenAPI document. Text that a client sends may not carry control characters (a NUL cannot
be stored by PostgreSQL), and ids stay within the database's integer range."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from eventhub.inputguard import MAX_ID

NO_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def text(max_length: int, min_length: int = 0):
    return Annotated[str, Field(min_length=min_length, max_length=max_length,
                                pattern=NO_CONTROL)]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Page = Annotated[int, Field(ge=1, le=10_000)]
FormatName = Literal["online_talk", "webinar", "workshop", "hybrid"]
Month = Annotated[str, Field(pattern=r"^2[01]\d\d-(0[1-9]|1[0-2])$",
                             description="A month as YYYY-MM, in the site's time zone")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    """A query string: unknown parameters are ignored, as web pages ignore them."""
    model_config = ConfigDict(extra="ignore")
    lang: Literal["", "de", "en"] = Field("", description=(
        "Language of labels and error details; English by default"))


# --- public ------------------------------------------------------------------------------

class EventListQuery(Query):
    region: Annotated[str, Field(max_length=16, pattern=r"^[A-Z-]*$",
                                 description="Region code of the organizing centre")] = ""
    centre: Annotated[str, Field(max_length=80, pattern=r"^[a-z0-9-]*$",
                                 description="Slug of the organizing centre")] = ""
    format: FormatName | Literal[""] = ""
    month: Month | Literal[""] = ""
    when: Literal["upcoming", "past"] = "upcoming"
    page: Page = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 20


class Centre(BaseModel):
    id: int
    slug: str
    name: str
    short_name: str
    region: str
    website: str | None


class Region(BaseModel):
    code: str
    name_de: str
    name_en: str
    is_land: bool


class EventSummary(BaseModel):
    id: int
    slug: str
    title: str
    summary: str
    format: FormatName
    status: Literal["published", "cancelled"]
    starts_at: datetime = Field(description="ISO 8601 with the offset of `timezone`")
    ends_at: datetime
    timezone: str = Field(description="IANA time zone of the event")
    centre: Centre
    url: str


class Paging(BaseModel):
    page: int
    per_page: int
    pages: int
    total: int


class EventList(BaseModel):
    items: list[EventSummary]
    paging: Paging


class Speaker(BaseModel):
    id: int
    name: str
    role: str
    organization: str
    region: str
    bio: str


class AgendaItem(BaseModel):
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    speaker_ids: list[int]


class EventDetail(EventSummary):
    description: str
    venue: str | None
    capacity: int | None
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    agenda: list[AgendaItem]
    speakers: list[Speaker]


class RegionList(BaseModel):
    items: list[Region]


class CentreList(BaseModel):
    items: list[Centre]


class Problem(BaseModel):
    """RFC 9457 problem details."""
    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None


class FieldError(BaseModel):
    field: str
    message: str


Problem.model_rebuild()
