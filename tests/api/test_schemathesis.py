"""Property-based tests generated from the OpenAPI document (Schemathesis): every
operation, public and with a token, answers without a 5xx and as the document says."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from eventhub.auth.models import Role
from tests.api.conftest import bearer

# Not checked: that every schema-valid request succeeds. The services' rules refuse some
# with 422 and the field (an organization that does not exist, an end before the start),
# which the document lists among the answers.
ACCEPTS_VALID_DATA = positive_data_acceptance
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
            case.call_and_validate(headers=headers, excluded_checks=[ACCEPTS_VALID_DATA])

        check()
        count += 1
    return count


def test_public_operations(api_schema):
    assert _check_every_operation(api_schema, "public") == 4


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.COORDINATOR])
def test_operations_with_a_token(api_schema, make, token_for, role):
    """With a read-write token of an organizer (of the centre that has the events) and of
    a coordinator; ids are drawn at random, so most are someone else's or nobody's."""
    centre = make.organization(slug=f"zz-token-{role.value}")
    user = make.user(role=role, organization=centre if role is Role.ORGANIZER else None)
    for _ in range(2):
        make.event(organization=centre)
    headers = bearer(token_for(user))
    operations = sum(_check_every_operation(api_schema, tag, headers) for tag in (
        "events", "registrations", "attendance", "reports", "token"))
    assert operations == 15
