"""Two-factor login: TOTP codes made by pyotp (window, replay refused), recovery codes used
once, enrolment with a server-drawn QR code, REQUIRE_2FA for admins and coordinators, and
an admin's reset (audited)."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from eventhub import timeutil
from eventhub.audit.models import AuditEntry
from eventhub.auth import twofactor
from eventhub.auth.models import LoginSession, Role
from tests.factories import PASSWORD, berlin

T0 = berlin(2027, 3, 1, 9)


def _enrol(user, now):
    twofactor.start_enrolment(user)
    codes = twofactor.confirm_enrolment(user, pyotp.TOTP(user.totp_secret).at(now), now)
    return codes


@pytest.fixture()
def user(make, clock):
    clock.freeze(T0)
    return make.user()


def test_codes_of_the_step_before_and_after_count_others_do_not(user, db_session):
    _enrol(user, T0 - timedelta(seconds=60))
    totp = pyotp.TOTP(user.totp_secret)
    assert twofactor.verify(user, totp.at(T0 - timedelta(seconds=30)), T0)
    assert twofactor.verify(user, totp.at(T0 + timedelta(seconds=30)), T0)
    assert not twofactor.verify(user, totp.at(T0 + timedelta(seconds=90)), T0)
    assert not twofactor.verify(user, "000000" if totp.at(T0) != "000000" else "111111",
                                T0 + timedelta(minutes=5))
    assert not twofactor.verify(user, "12ab56", T0)


def test_the_same_code_is_refused_the_second_time(user):
    _enrol(user, T0 - timedelta(minutes=5))
    code = pyotp.TOTP(user.totp_secret).at(T0)
    assert twofactor.verify(user, code, T0)
    assert not twofactor.verify(user, code, T0 + timedelta(seconds=5))
    # nor an older one once a newer one was used
    assert not twofactor.verify(user, pyotp.TOTP(user.totp_secret).at(
        T0 - timedelta(seconds=30)), T0 + timedelta(seconds=10))


def test_recovery_codes_work_once_each_and_are_stored_hashed(user, db_session):
    codes = _enrol(user, T0)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db_session.scalars(select(twofactor.RecoveryCode.code_hash)).all()
    assert not set(codes) & set(stored)
    assert twofactor.verify(user, codes[0].upper(), T0)
    assert not twofactor.verify(user, codes[0], T0)
    assert twofactor.verify(user, codes[1].replace("-", " "), T0)
    assert twofactor.recovery_codes_left(user) == 8


def test_a_wrong_enrolment_code_leaves_it_off(user):
    twofactor.start_enrolment(user)
    with pytest.raises(twofactor.RuleViolation):
        twofactor.confirm_enrolment(user, "123456" if pyotp.TOTP(user.totp_secret).at(T0)
                                    != "123456" else "654321", T0)
    assert not twofactor.enabled(user)


def test_login_asks_for_the_code_after_the_password(client, user, db_session):
    _enrol(user, T0 - timedelta(minutes=5))
    db_session.flush()
    first = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                        "next": "/verwaltung/berichte"})
    assert first.status_code == 302 and "/login/code" in first.headers["Location"]
    assert client.get("/verwaltung/").status_code == 302  # not logged in yet
    wrong = client.post("/login/code?lang=en", data={"code": "000000" if pyotp.TOTP(
        user.totp_secret).at(T0) != "000000" else "111111"})
    assert wrong.status_code == 422
    assert "This code is not correct" in wrong.get_data(as_text=True)
    right = client.post("/login/code", data={"code": pyotp.TOTP(user.totp_secret).at(T0)})
    assert right.status_code == 302 and right.headers["Location"].endswith("/verwaltung/berichte")
    assert client.get("/verwaltung/").status_code == 200
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    replay = client.post("/login/code", data={"code": pyotp.TOTP(user.totp_secret).at(T0)})
    assert replay.status_code == 422


def test_five_wrong_codes_ask_for_the_password_again(client, user, db_session):
    _enrol(user, T0 - timedelta(minutes=5))
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    codes = [client.post("/login/code", data={"code": "abcdef"}).status_code
             for _ in range(5)]
    assert codes == [422, 422, 422, 422, 302]
    assert client.get("/login/code").status_code == 302


def test_the_code_page_without_a_password_first_sends_to_the_login(client):
    response = client.get("/login/code")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_enrolment_in_the_browser_shows_a_qr_code_and_then_the_recovery_codes(
        login, user, db_session):
    client = login(user)
    page = client.get("/konto/zwei-faktor").get_data(as_text=True)
    assert "<svg" in page and "http" not in page.split("<svg")[1].split("</svg>")[0] \
        .replace("http://www.w3.org", "")
    db_session.expire_all()
    secret = user.totp_secret
    assert secret and secret in page
    done = client.post("/konto/zwei-faktor", data={"code": pyotp.TOTP(secret).at(T0)})
    assert done.status_code == 200
    assert len(re.findall(r"<li><code>[0-9a-f]{6}-[0-9a-f]{6}</code></li>",
                          done.get_data(as_text=True))) == 10
    db_session.expire_all()
    assert twofactor.enabled(user)


def test_turning_it_off_needs_the_password(login, user, db_session):
    client = login(user)
    _enrol(user, T0 - timedelta(minutes=5))
    db_session.flush()
    assert client.post("/konto/zwei-faktor", data={"password": "wrong"}).status_code == 422
    assert client.post("/konto/zwei-faktor", data={"password": PASSWORD}).status_code == 302
    db_session.expire_all()
    assert not twofactor.enabled(user)


def test_required_for_admins_and_coordinators_when_set(app, login, make, monkeypatch,
                                                       clock):
    clock.freeze(T0)
    monkeypatch.setitem(app.config, "REQUIRE_2FA", True)
    admin = make.user(role=Role.ADMIN)
    client = login(admin)
    response = client.get("/verwaltung/")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/konto/zwei-faktor")
    assert client.get("/konto/zwei-faktor").status_code == 200
    client.post("/logout")
    organizer_client = login(make.user())
    assert organizer_client.get("/verwaltung/").status_code == 200


def test_an_admin_resets_a_lost_second_factor_and_it_is_audited(login, make, user,
                                                                 db_session):
    _enrol(user, T0)
    admin = make.user(role=Role.ADMIN)
    coordinator = make.user(role=Role.COORDINATOR)
    db_session.flush()
    assert login(coordinator).post(
        f"/verwaltung/konten/{user.id}/zweiter-faktor-zuruecksetzen").status_code == 403
    login(coordinator).post("/logout")
    client = login(admin)
    assert client.post(
        f"/verwaltung/konten/{user.id}/zweiter-faktor-zuruecksetzen").status_code == 302
    db_session.expire_all()
    assert not twofactor.enabled(user) and user.totp_secret is None
    assert twofactor.recovery_codes_left(user) == 0
    assert db_session.scalars(select(LoginSession).where(
        LoginSession.user_id == user.id)).all() == []
    [entry] = db_session.scalars(select(AuditEntry).where(
        AuditEntry.action == "account.2fa_reset", AuditEntry.target_id == user.id))
    assert entry.actor_id == admin.id
    assert timeutil.utcnow() == T0  # the frozen clock reached the services
    with pytest.raises(twofactor.RuleViolation):
        twofactor.reset(admin, admin, T0)
