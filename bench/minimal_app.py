"""The baseline for bench/registration_burst.py: the least a Flask app can do for a POST.

Same URL as eventhub's registration form, so the load client runs unchanged against it:
GET shows a tiny form with the two hidden fields the client looks for and sets a cookie;
POST reads the whole form (as eventhub must) and answers 302 to the thanks page. No
database, no templates, no CSRF, no sessions: everything eventhub costs above this is
the price of its features.

Run: gunicorn --chdir bench minimal_app:app
"""
from __future__ import annotations

from flask import Flask, abort, redirect, request

app = Flask(__name__)

FORM = ('<!doctype html><form method="post">'
        '<input id="csrf_token" name="csrf_token" type="hidden" value="minimal-csrf">'
        '<input id="started" name="started" type="hidden" value="minimal-started">'
        '<button>Register</button></form>')

REQUIRED = ("csrf_token", "started", "first_name", "last_name", "email", "consent")


@app.route("/veranstaltungen/<slug>/anmeldung", methods=["GET", "POST"])
def register(slug: str):
    if request.method == "GET":
        response = app.make_response(FORM)
        response.set_cookie("session", "minimal", httponly=True, samesite="Lax")
        return response
    form = request.form
    if any(not form.get(name) for name in REQUIRED):
        abort(422)
    return redirect(f"/veranstaltungen/{slug}/anmeldung/danke")
