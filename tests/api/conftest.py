"""Fixtures for the API: tokens made through the service, and a client that sends them."""
from __future__ import annotations

import pytest

from eventhub import timeutil
from eventhub.api import tokens


@pytest.fixture()
def token_for(db_session):
    def _token(user, *, write: bool = True, days: int | None = None) -> str:
        return tokens.create(user, "test", write, days, timeutil.utcnow()).secret
    return _token


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
