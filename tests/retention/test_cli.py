"""``flask eventhub retention-days`` and ``purge-personal-data``."""
from __future__ import annotations

from datetime import timedelta

import pytest

from eventhub import timeutil
from eventhub.organizations.models import Organization
from eventhub.registration.models import Registration
from tests.registration.test_manage_registrations import add_registration


@pytest.fixture()
def run(app, db_session):
    def _run(*args: str):
        with app.app_context():
            return app.test_cli_runner().invoke(args=["eventhub", *args])
    return _run


def test_a_centre_gets_its_own_period_and_back_to_the_default(db_session, make, run):
    centre = make.organization(slug="zz-eigen")
    db_session.commit()
    assert run("retention-days", "zz-eigen", "30").exit_code == 0
    db_session.expire_all()
    assert db_session.get(Organization, centre.id).retention_days == 30
    assert run("retention-days", "zz-eigen", "default").exit_code == 0
    db_session.expire_all()
    assert db_session.get(Organization, centre.id).retention_days is None


@pytest.mark.parametrize("args, message", [(("zz-unbekannt", "30"), "unknown organization"),
                                           (("zz-eigen", "0"), "1 to 3650"),
                                           (("zz-eigen", "viele"), "1 to 3650")])
def test_bad_input_is_refused_clearly(db_session, make, run, args, message):
    make.organization(slug="zz-eigen")
    db_session.commit()
    result = run("retention-days", *args)
    assert result.exit_code == 2 and message in result.output


def test_purge_personal_data_by_hand(db_session, make, run):
    start = timeutil.utcnow() - timedelta(days=200)
    event = make.event(starts_at=start, ends_at=start + timedelta(hours=1))
    person = add_registration(db_session, event, email="weg@example.org")
    db_session.commit()
    result = run("purge-personal-data")
    assert result.exit_code == 0, result.output
    assert "purged 1 events" in result.output
    db_session.expire_all()
    assert db_session.get(Registration, person.id).email is None
