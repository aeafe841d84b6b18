"""Fixtures shared by the registration tests."""
from __future__ import annotations

from datetime import timedelta

import pytest

from eventhub.timeutil import utcnow
from tests import factories
from tests.registration.helpers import PLACES


@pytest.fixture()
def committed_event(app):
    """A published event with ``PLACES`` places and no double opt-in, committed for real
    (for tests whose threads each have their own session); removed afterwards."""
    with factories.committed_event(app, "rush-event", utcnow() + timedelta(days=10),
                                   title="Ansturm", capacity=PLACES,
                                   double_opt_in=False) as event_id:
        yield event_id
