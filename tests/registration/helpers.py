"""Shared helpers for registration tests."""
from __future__ import annotations

import itertools

from eventhub.registration.models import OrganizationSize
from eventhub.registration.services import Applicant

_seq = itertools.count(1)


def applicant(**kw) -> Applicant:
    n = next(_seq)
    kw.setdefault("email", f"person{n}@example.org")
    kw.setdefault("first_name", "Erika")
    kw.setdefault("last_name", f"Muster {n}")
    kw.setdefault("organization_size", OrganizationSize.MICRO)
    kw.setdefault("region_code", "DE-SN")
    kw.setdefault("consent", True)
    return Applicant(**kw)
