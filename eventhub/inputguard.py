"""What any request may carry, checked before its view runs.

A NUL character cannot be stored or compared by PostgreSQL (psycopg refuses it), and an
id beyond the database's integer range overflows SQLite; neither can name anything that
exists. Such a path is answered with 404, such a query parameter with 400, before a view
or a query sees them. Form fields refuse control characters with a field error
(``formtools.Form``)."""
from __future__ import annotations

from flask import Flask, abort, request

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


def _check_request() -> None:
    if "\x00" in request.path or any(
            isinstance(value, int) and not 0 <= value <= MAX_ID
            for value in (request.view_args or {}).values()):
        abort(404)
    if any("\x00" in key or "\x00" in value
           for key, value in request.args.items(multi=True)):
        abort(400)


def init_app(app: Flask) -> None:
    app.before_request(_check_request)
