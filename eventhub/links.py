"""Absolute links for e-mails and calendar files, built from BASE_URL.

Mail is also rendered outside requests (CLI, scheduler), where ``url_for(_external=True)``
has no host to use; BASE_URL is the one public address anyway.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
