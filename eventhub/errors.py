"""Exceptions that services raise and views translate into form errors or HTTP codes."""
from __future__ import annotations


class RuleViolation(Exception):
    """A business rule refused the input; ``field`` names the form field to blame."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotPermitted(Exception):
    """The actor may not do this (views answer 403 or 404)."""
