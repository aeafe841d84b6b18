from sqlalchemy import func, select

from eventhub.organizations.models import Region


def test_migrations_seed_eighteen_regions(db_session):
    assert db_session.scalar(select(func.count()).select_from(Region)) == 18


def test_rollback_isolates_tests_part_one(make, db_session):
    make.organization(slug="isolation-check")


def test_rollback_isolates_tests_part_two(db_session):
    from eventhub.organizations.models import Organization
    assert db_session.scalar(select(Organization).where(Organization.slug ==
                                                        "isolation-check")) is None
