"""The baseline for bench/api_bench.py: the least a Flask app does for GET /api/v1/events,
a page of 20 events as JSON from memory (no database, no validation, no ETag).

Run: gunicorn --chdir bench minimal_api:app
"""
from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)

ITEMS = [{"id": n, "slug": f"veranstaltung-{n}", "title": f"Veranstaltung {n}",
          "summary": "", "format": "webinar", "status": "published",
          "starts_at": "2031-04-02T10:00:00+02:00", "ends_at": "2031-04-02T12:00:00+02:00",
          "timezone": "Europe/Berlin",
          "centre": {"id": 1, "slug": "zz-bench", "name": "Zukunftszentrum", "short_name": "ZZ",
                     "region": "DE-SN", "website": None},
          "url": f"http://127.0.0.1/veranstaltungen/veranstaltung-{n}"} for n in range(20)]


@app.get("/api/v1/events")
def events():
    return jsonify({"items": ITEMS, "paging": {"page": 1, "per_page": 20, "pages": 5,
                                               "total": 100}})
