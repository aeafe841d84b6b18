"""Rate limit on public registration POSTs; the scheduler's periodic jobs."""
from __future__ import annotations

from datetime import timedelta

from eventhub import create_app, scheduler
from eventhub.extensions import db, limiter
from eventhub.registration import services
from eventhub.registration.models import Registration
from eventhub.registration.models import RegistrationStatus as S
from eventhub.timeutil import utcnow
from tests.conftest import TEST_CONFIG
from tests.registration.helpers import applicant


def test_registration_posts_are_rate_limited_per_client(app, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # restored afterwards
    limited = create_app({**TEST_CONFIG, "RATELIMIT_ENABLED": True,
                          "RATELIMIT_REGISTRATION": "2 per minute",
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    client = limited.test_client()
    url = "/veranstaltungen/no-such-event/anmeldung?lang=en"
    codes = [client.post(url, data={}).status_code for _ in range(3)]
    assert codes == [404, 404, 429]
    page = client.post(url, data={}).get_data(as_text=True)
    assert "<main" in page and "<h1" in page
    other = limited.test_client()
    other_codes = client.get(url).status_code, \
        other.post(url, data={}, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code
    assert other_codes == (404, 404)  # GETs and other clients are not limited


def test_scheduler_has_the_mail_and_expiry_jobs(app):
    jobs = {job.id: job for job in scheduler.build_scheduler(app).get_jobs()}
    assert set(jobs) == {"deliver_mail_job", "expire_pending_job", "reminders_job",
                         "purge_attendance_files_job", "retention_job",
                         "purge_audit_log_job", "deliver_webhooks_job"}
    assert all(job.max_instances == 1 and job.coalesce for job in jobs.values())


def test_expiry_job_releases_places_and_moves_the_waitlist(app, make, db_session):
    past = utcnow() - timedelta(hours=49)
    event = make.event(capacity=1)
    stale = services.register(event.id, applicant(), past).registration
    waiting = services.register(event.id, applicant(), past).registration
    ids = stale.id, waiting.id
    assert scheduler.expire_pending_job() == 1  # commits and closes its session
    assert [db.session.get(Registration, i).status for i in ids] == [S.EXPIRED, S.PENDING]
