"""Organizer pages for reminders: list with scheduled time and counts, add, edit, delete,
preview and a test to oneself; only for events the organizer may manage."""
from __future__ import annotations

from eventhub.reminders import dispatch
from eventhub.reminders import services as reminder_services
from tests.reminders.conftest import hours, reminders


def _organizer(make, event):
    return make.user(organization=event.organization)


def test_list_shows_rules_local_time_and_counts(make, event, join, start, login, db_session):
    client = login(_organizer(make, event))
    join(event, start - hours(72))
    dispatch.run(start - hours(24))
    page = client.get(f"/verwaltung/veranstaltungen/{event.id}/erinnerungen")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "09.03.2031, 10:00" in text  # 1 day before, in Berlin time
    assert "Sent: 1" in text or "Versandt: 1" in text


def test_add_edit_delete(make, event, login, db_session):
    client = login(_organizer(make, event))
    base = f"/verwaltung/veranstaltungen/{event.id}/erinnerungen"
    response = client.post(base, data={"kind": "after_end", "offset_minutes": "30",
                                       "message": "Slides", "active": "y"})
    assert response.status_code == 302
    rule = next(r for r in reminder_services.rules(event) if r.kind == "after_end")
    response = client.post(f"{base}/{rule.id}", data={"kind": "after_end",
                                                      "offset_minutes": "90", "active": "y"})
    assert response.status_code == 302
    db_session.expire_all()
    assert rule.offset_minutes == 90
    assert client.post(f"{base}/{rule.id}", data={"kind": "before_start",
                                                  "offset_minutes": "0"}).status_code == 422
    assert client.post(f"{base}/{rule.id}/loeschen").status_code == 302
    db_session.expire_all()
    assert len(reminder_services.rules(event)) == 2


def test_preview_and_test_to_myself(make, event, login, db_session):
    user = _organizer(make, event)
    client = login(user)
    rule = reminder_services.rules(event)[0]
    base = f"/verwaltung/veranstaltungen/{event.id}/erinnerungen/{rule.id}"
    preview = client.get(f"{base}/vorschau")
    assert preview.status_code == 200 and event.title in preview.get_data(as_text=True)
    assert client.post(f"{base}/test").status_code == 302
    assert [m.to_address for m in reminders(db_session)] == [user.email]


def test_other_organizers_get_404(make, event, login, db_session):
    client = login(make.user())
    rule = reminder_services.rules(event)[0]
    base = f"/verwaltung/veranstaltungen/{event.id}/erinnerungen"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/{rule.id}/vorschau").status_code == 404
    assert client.post(f"{base}/{rule.id}/loeschen").status_code == 404
