"""An event saved with a start in the past is kept as entered, with a clear warning: such a
date is usually a typo, and the event then shows in the archive and takes no registrations."""
from __future__ import annotations

import pytest

from tests.events.test_manage_views import event_form
from tests.factories import berlin
from tests.registration.test_manage_registrations import flashes

WARNING = "Please check the date: this event starts in the past."


@pytest.fixture(autouse=True)
def _early_in_2027(clock):
    clock.set(berlin(2027, 1, 4, 9))


@pytest.fixture()
def as_organizer(make, db_session, login):
    centre = make.organization(slug="zentrum-p")
    user = make.user(organization=centre)
    db_session.commit()
    return login(user), centre


@pytest.mark.parametrize("start, warned", [("2026-12-01T10:00", True),
                                           ("2027-02-01T10:00", False)])
def test_saving_an_event_that_starts_in_the_past_warns(as_organizer, start, warned):
    client, centre = as_organizer
    response = client.post("/verwaltung/veranstaltungen/neu?lang=en", data=event_form(
        centre.id, starts_local=start, ends_local=start.replace("T10", "T12")))
    assert response.status_code == 302
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert (WARNING in flashes(page)) is warned
    assert "The event has been saved as a draft." in flashes(page)
