"""The legal pages (public) and their editing (admins only, /verwaltung/rechtliches)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from eventhub import i18n, links, mail, timeutil
from eventhub.extensions import db
from eventhub.formtools import NOT_SAVED, submit
from eventhub.legal import forms, markdown, services
from eventhub.legal.models import LegalKind

bp = Blueprint("legal", __name__)
admin_bp = Blueprint("legal_admin", __name__, url_prefix="/verwaltung/rechtliches")

TITLES = {LegalKind.IMPRINT: _l("Legal notice (Impressum)"),
          LegalKind.PRIVACY: _l("Privacy policy"),
          LegalKind.ACCESSIBILITY: _l("Accessibility statement")}
ENDPOINTS = {LegalKind.IMPRINT: "legal.imprint", LegalKind.PRIVACY: "legal.privacy",
             LegalKind.ACCESSIBILITY: "legal.accessibility"}


@bp.app_template_global("legal_links")
def legal_links() -> list[tuple[str, str]]:
    """(title, address) of each published legal page in the page's language: the footer
    of every page (``_legal_links.html``). An error page must render even when the
    database cannot answer: then the footer goes without them."""
    try:
        published = services.published()
    except SQLAlchemyError:
        db.session.rollback()
        return []
    return [(str(TITLES[kind]), url_for(ENDPOINTS[kind], **i18n.url_language()))
            for kind in LegalKind if kind in published]


def _mail_footer(session) -> dict:
    """The same for every e-mail's footer (``emails/_legal_links.*``): absolute links, in
    the e-mail's language, read through the session that renders it."""
    published = services.published(session)
    language = {"lang": "en"} if i18n.current_language() == "en" else {}
    return {"legal_footer": [(str(TITLES[kind]), links.external_url(ENDPOINTS[kind],
                                                                      **language))
                             for kind in LegalKind if kind in published]}


mail.register_context(_mail_footer)


@bp.app_template_global("privacy_version")
def current_privacy_version() -> str | None:
    """The privacy policy's version a consent given now stores (the registration form)."""
    return services.privacy_version()


def _show(kind: LegalKind, number: int | None = None):
    text = services.current(kind) if number is None else services.version(kind, number)
    if text is None:
        abort(404)
    language = i18n.current_language()
    return render_template("legal/page.html", text=text, title=TITLES[kind], kind=kind,
                           body=markdown.render(text.body(language)),
                           body_language=text.shown_language(language),
                           latest=number is None)


@bp.get("/impressum")
def imprint():
    return _show(LegalKind.IMPRINT)


@bp.get("/datenschutz")
def privacy():
    return _show(LegalKind.PRIVACY)


@bp.get("/datenschutz/version/<int:number>")
def privacy_version(number: int):
    """An earlier privacy policy, as a consent names it."""
    return _show(LegalKind.PRIVACY, number)


@bp.get("/barrierefreiheit")
def accessibility():
    return _show(LegalKind.ACCESSIBILITY)


@admin_bp.before_request
@login_required
def _require_admin():
    if not services.may_edit(current_user):
        abort(403)


def _kind(value: str) -> LegalKind:
    try:
        return LegalKind(value)
    except ValueError:
        abort(404)


@admin_bp.get("/")
def index():
    return render_template("legal/admin_index.html", titles=TITLES, endpoints=ENDPOINTS,
                           current={kind: services.current(kind) for kind in LegalKind})


@admin_bp.route("/<kind>", methods=["GET", "POST"])
def edit(kind: str):
    legal_kind = _kind(kind)
    latest = services.current(legal_kind)
    form = forms.LegalTextForm(obj=latest)
    result = submit(form, lambda: services.publish(
        current_user._get_current_object(), legal_kind, body_de=form.body_de.data,
        body_en=form.body_en.data or "", now=timeutil.utcnow()))
    if result is NOT_SAVED:
        return render_template("legal/edit.html", form=form, kind=legal_kind,
                               title=TITLES[legal_kind], latest=latest,
                               history=services.history(legal_kind)), \
            422 if form.errors else 200
    if result is None:
        flash(_("The text is unchanged: nothing was published."), "info")
    else:
        flash(_("Version %(version)d has been published.", version=result.version),
              "success")
    return redirect(url_for("legal_admin.edit", kind=legal_kind.value))
