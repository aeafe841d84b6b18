"""Attendance with a token: the event's check-in list and marking people as attended or
absent (``attendance.services.check_in``, as at the check-in page)."""
from __future__ import annotations

from spectree import Response

from eventhub import timeutil
from eventhub.api import documents
from eventhub.api import manage_schemas as ms
from eventhub.api.blueprint import actor, bp, committed, managed_event
from eventhub.api.schemas import Problem
from eventhub.api.spec import TOKEN, api_spec
from eventhub.attendance import queries, services

TAGS = ["attendance"]
PATH = "/manage/events/<int:event_id>/attendance"


@bp.get(PATH)
@api_spec.validate(query=ms.AttendanceQuery, tags=TAGS, security=TOKEN, resp=Response(
    HTTP_200=ms.AttendanceList, HTTP_404=Problem, HTTP_422=Problem))
def attendance(event_id: int, query: ms.AttendanceQuery):
    """Confirmed registrations (walk-ins included) by name, with what was recorded."""
    event = managed_event(actor(), event_id)
    pagination = queries.page(event, query.q, query.page)
    recorded = queries.attendance_by_registration([r.id for r in pagination.items])
    counts = queries.counts(event)
    items = []
    for row in pagination.items:
        mark = recorded.get(row.id)
        items.append(ms.AttendanceRow(
            registration_id=row.id, first_name=row.first_name, last_name=row.last_name,
            email=row.email, walk_in=row.is_walk_in,
            attended=mark.attended if mark else None,
            minutes=mark.minutes if mark else None,
            source=mark.source.value if mark else None))
    return ms.AttendanceList(items=items, paging=documents.paging(pagination), counts={
        "confirmed": counts.confirmed, "attended": counts.attended, "absent": counts.absent,
        "open": counts.open})


@bp.post(PATH)
@api_spec.validate(json=ms.AttendanceInput, tags=TAGS, security=TOKEN, resp=Response(
    HTTP_200=ms.AttendanceResult, HTTP_404=Problem, HTTP_422=Problem))
def mark_attendance(event_id: int, json: ms.AttendanceInput):
    """Mark registrations as attended (or absent), as the check-in does; ids that are
    not confirmed registrations of the event are left out of `marked`."""
    user = actor(write=True)
    event = managed_event(user, event_id)
    marked = committed(lambda: services.check_in(event, json.registration_ids,
                                                 json.attended, user, timeutil.utcnow()))
    return ms.AttendanceResult(marked=marked)
