"""The switch that moves the whole test run's clock: ``EVENTHUB_TEST_CLOCK_SHIFT_DAYS=365``
makes every process of the run (pytest and the processes its tests spawn, which import
this package too) live that many days after today, ticking as usual. `.ci/run` runs the
suite once with it, to prove that no test depends on today's date.

time-machine moves the wall clock only (``datetime.now``, ``time.time``); monotonic time
and sleeping stay real, so timeouts and waits behave as in any other run."""
from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

SHIFT_VARIABLE = "EVENTHUB_TEST_CLOCK_SHIFT_DAYS"
_traveller = None


def shift_from_environment() -> None:
    global _traveller
    days = os.environ.get(SHIFT_VARIABLE, "").strip()
    if not days or _traveller is not None:
        return
    import time_machine

    _traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=float(days)),
                                     tick=True)
    _traveller.start()
