"""Property-based tests generated from the OpenAPI document (Schemathesis): every
operation, public and with a token, answers without a 5xx and as the document says."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.fixture()
def api_schema(app, db_session, make):
    # Something to find: published events of a centre, with agenda and speakers.
    centre = make.organization(slug="zz-schema")
    for _ in range(3):
        event = make.event(organization=centre)
        make.agenda_item(event, title="Impulse")
        make.speaker(event)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _check_every_operation(schema, tag: str, headers: dict[str, str] | None = None) -> int:
    """Run each operation with the tag through Hypothesis; the number of operations.
    (Not ``schemathesis.pytest.from_fixture``: the schema needs the test's database.)"""
    count = 0
    for result in schema.include(tag=tag).get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @SETTINGS
        def check(case):
            case.call_and_validate(headers=headers)

        check()
        count += 1
    return count


def test_public_operations(api_schema):
    assert _check_every_operation(api_schema, "public") == 4
