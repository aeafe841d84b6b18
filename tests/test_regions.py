"""The per-process cache of regions (eventhub/organizations/regions.py)."""
from __future__ import annotations

from eventhub.organizations import regions
from eventhub.organizations.models import REGIONS


def test_regions_come_in_order_in_both_languages(app):
    with app.app_context():
        assert [code for code, _ in regions.choices("de")] == [r[0] for r in REGIONS]
        assert ("DE-TH", "Thüringen") in regions.choices("de")
        assert ("DE-TH", "Thuringia") in regions.choices("en")


def test_only_known_codes_exist(app):
    with app.app_context():
        assert regions.exists("DE-SN")
        assert not regions.exists("DE-XX")
        assert not regions.exists(None)
        assert not regions.exists("")
