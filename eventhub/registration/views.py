"""Public registration: the form, the double opt-in link, the personal page."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from eventhub import formtools, i18n, timeutil
from eventhub.errors import RuleViolation
from eventhub.events import queries as event_queries
from eventhub.extensions import db, limiter
from eventhub.legal import services as legal
from eventhub.registration import antibot, forms, intake, personal_links, services, tokens
from eventhub.registration.models import OrganizationSize, Registration

bp = Blueprint("registration", __name__)

CLOSED_MESSAGES = {
    "not_found": _l("This event does not take registrations."),
    "cancelled": _l("This event has been cancelled, so registration is closed."),
    "past": _l("This event has already taken place."),
    "not_yet": _l("Registration has not opened yet."),
    "closed": _l("Registration has closed."),
}

CONFIRM_MESSAGES = {
    "confirmed": _l("Thank you: your registration is confirmed."),
    "already": _l("Your registration was confirmed already."),
    "waitlisted": _l("Thank you: your e-mail address is confirmed. You are on the waiting "
                     "list; we will write to you as soon as a place becomes free."),
    "expired": _l("This confirmation came too late: the place has been released. You are "
                  "welcome to register again."),
    "inactive": _l("This registration is no longer active."),
}


def _post_limit() -> str:
    return current_app.config["RATELIMIT_REGISTRATION"]


limit_posts = limiter.limit(_post_limit, methods=["POST"])


def _applicant(form: forms.RegistrationForm, questions) -> services.Applicant:
    return services.Applicant(
        email=form.email.data, first_name=form.first_name.data,
        last_name=form.last_name.data, organization_name=form.organization_name.data or "",
        organization_size=OrganizationSize(form.organization_size.data),
        job_role=form.job_role.data or "", region_code=form.region_code.data,
        language=i18n.current_language(), consent=bool(form.consent.data),
        consent_version=legal.privacy_version(),
        answers={q.id: form[f"q_{q.id}"].data for q in questions})


def _registration_form(event, now):
    form = forms.form_for(event.questions)
    form.organization_size.choices = [("", _("Please choose"))] + forms.size_choices()
    form.region_code.choices = formtools.region_choices(blank=_("Please choose"))
    if request.method == "GET":
        form.started.data = antibot.stamp(now)
    return form


def _closed(event, reason: str, status: int = 200):
    return render_template("registration/closed.html", event=event, reason=reason), status


@bp.route("/veranstaltungen/<slug>/anmeldung", methods=["GET", "POST"])
@limit_posts
def register(slug: str):
    event = event_queries.bookable_event(slug)
    if event is None:
        abort(404)
    now = timeutil.utcnow()
    reason = services.closed_reason(event, now)
    if reason:
        return _closed(event, reason, 200 if request.method == "GET" else 409)
    form = _registration_form(event, now)
    thanks_url = url_for("registration.thanks", slug=slug, **i18n.url_language())
    if request.method == "POST" and antibot.is_bot(form.website.data):
        return redirect(thanks_url)
    if form.validate_on_submit():
        if antibot.too_fast(form.started.data, now):
            form.form_errors.append(_("That was very quick. Please check your details and "
                                      "send the form again."))
            form.started.data = antibot.stamp(now)
        elif _save(event, form):
            return redirect(thanks_url)
    return render_template("registration/form.html", event=event, form=form,
                           fields=_fields_markup(form, event)), 422 if form.errors else 200


_EMPTY_FIELDS = "eventhub.empty_registration_fields"
_EMPTY_FIELDS_KEPT = 256


def _fields_markup(form: forms.RegistrationForm, event) -> Markup:
    """The form's fields as HTML (``registration/_fields.html``).

    Every empty form of an event is the same but for its hidden fields, which are not
    among these, and the fields are most of the page's work: so an empty form's are
    rendered once per form class (its questions), language, organizer and privacy
    notice, and reused. A submitted form shows its values and errors: rendered each time.
    """
    # In development (templates reloaded) an edited template must show at once.
    if form.is_submitted() or current_app.jinja_env.auto_reload:
        return _render_fields(form, event)
    key = (type(form), i18n.current_language(), event.organization.name,
           legal.privacy_version())
    kept: dict = current_app.extensions.setdefault(_EMPTY_FIELDS, {})
    markup = kept.get(key)
    if markup is None:
        if len(kept) >= _EMPTY_FIELDS_KEPT:  # edited questions leave old keys behind
            kept.clear()
        markup = kept[key] = _render_fields(form, event)
    return markup


def _render_fields(form: forms.RegistrationForm, event) -> Markup:
    return Markup(render_template(  # noqa: S704  (the template escapes what it shows)
        "registration/_fields.html", form=form, event=event,
        question_fields=forms.question_fields(form, event.questions)))


def _save(event, form) -> bool:
    try:
        intake.submit(event.id, _applicant(form, event.questions))  # committed
    except (RuleViolation, services.RegistrationClosed) as exc:
        # Decided on the event as it is now, which may differ from the page's copy.
        event_queries.forget_bookable_events()
        if isinstance(exc, RuleViolation):
            formtools.attach_error(form, exc)
        else:
            form.form_errors.append(str(CLOSED_MESSAGES[exc.reason]))
        return False
    return True


@bp.get("/veranstaltungen/<slug>/anmeldung/danke")
def thanks(slug: str):
    event = event_queries.bookable_event(slug)
    if event is None:
        abort(404)
    return render_template("registration/thanks.html", event=event)


def _load(token: str, purpose: str) -> Registration:
    try:
        registration = tokens.load(token, purpose)
    except tokens.InvalidToken as exc:
        abort(_invalid_link(exc.reason))
    i18n.follow_language(registration.language)
    return registration


def _invalid_link(reason: str):
    return current_app.make_response(
        (render_template("registration/invalid_link.html", reason=reason), 400))


@bp.route("/anmeldung/bestaetigen/<token>", methods=["GET", "POST"])
@limit_posts
def confirm(token: str):
    """GET shows a button: mail scanners that open links must not confirm for people."""
    registration = _load(token, tokens.CONFIRM)
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        result = services.confirm(registration, timeutil.utcnow())
        db.session.commit()
        flash(str(CONFIRM_MESSAGES[result]),
              "error" if result in ("expired", "inactive") else "success")
        return redirect(url_for("registration.personal",
                                token=tokens.make(registration, tokens.MANAGE),
                                **i18n.url_language()))
    return render_template("registration/confirm.html", registration=registration,
                           event=registration.event, form=form)


@bp.get("/anmeldung/<token>")
def personal(token: str):
    registration = _load(token, tokens.MANAGE)
    return render_template("registration/personal.html", registration=registration,
                           event=registration.event, token=token, now=timeutil.utcnow(),
                           waitlist_position=services.waitlist_position(registration),
                           join_url=personal_links.join_url(registration))


@bp.route("/anmeldung/<token>/absagen", methods=["GET", "POST"])
@limit_posts
def cancel(token: str):
    registration = _load(token, tokens.MANAGE)
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        if services.cancel(registration, timeutil.utcnow()):
            flash(_("Your registration has been cancelled."), "success")
        db.session.commit()
        return redirect(url_for("registration.personal", token=token, **i18n.url_language()))
    return render_template("registration/cancel.html", registration=registration,
                           event=registration.event, form=form, token=token)


@bp.route("/anmeldung/<token>/daten", methods=["GET", "POST"])
@limit_posts
def personal_data(token: str):
    registration = _load(token, tokens.MANAGE)
    form = forms.EraseForm()
    if form.validate_on_submit():
        event = registration.event
        services.erase(registration, timeutil.utcnow())
        db.session.commit()
        return render_template("registration/erased.html", event=event)
    return render_template("registration/data.html", registration=registration,
                           event=registration.event, form=form, token=token), \
        422 if form.errors else 200
