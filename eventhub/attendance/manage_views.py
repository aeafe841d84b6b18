"""Organizer pages for attendance (manage blueprint): the check-in list, walk-ins, and the
import of webinar reports with a preview (and a column mapping for files whose columns are
not recognised).

Every route starts with ``load_event`` (404 for events the user may not manage) and looks
registrations and imports up within that event, so another event's ids are not found.
"""
from __future__ import annotations

import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from eventhub import audit, formtools, timeutil
from eventhub.attendance import forms, importing, imports, mappings, queries, services
from eventhub.attendance.imports import NeedsMapping, ParseError
from eventhub.attendance.models import AttendanceImport
from eventhub.errors import RuleViolation
from eventhub.events.forms import ConfirmForm
from eventhub.events.manage_blueprint import bp, load_event
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.registration.manage_forms import STATUS_LABELS

PREFIX = "/veranstaltungen/<int:event_id>/teilnahme"
IMPORTS = PREFIX + "/import"


def _list_args(values) -> dict[str, str]:
    """The list's search and page, from a query string or the form's hidden fields."""
    return {k: values[k][:200] for k in ("q", "page") if values.get(k)}


# --- check-in ------------------------------------------------------------------------------

def _walk_in_form() -> forms.WalkInForm:
    form = forms.WalkInForm()
    form.region_code.choices = formtools.region_choices()
    return form


def _check_in_page(event: Event, walk_in: forms.WalkInForm, status: int = 200):
    search = (request.args.get("q") or "")[:200]
    pagination = queries.page(event, search, formtools.page_number(request.args))
    attendance = queries.attendance_by_registration([r.id for r in pagination.items])
    return render_template(
        "attendance/check_in.html", event=event, search=forms.SearchForm(formdata=request.args),
        pagination=pagination, attendance=attendance, counts=queries.counts(event),
        confirm=ConfirmForm(), walk_in=walk_in, list_args=_list_args(request.args),
        filter_args=_list_args({"q": search}),
        not_started=timeutil.utcnow() < event.starts_at), status


@bp.get(PREFIX)
def attendance_page(event_id: int):
    return _check_in_page(load_event(event_id), _walk_in_form())


@bp.post(PREFIX)
def mark_attendance(event_id: int):
    """One row's button, or a bulk button with the ticked rows (one form, one token)."""
    event = load_event(event_id)
    anchor = None
    if ConfirmForm().validate_on_submit():
        marks = forms.marks_from(request.form)
        if not marks or not marks[0]:
            flash(_("Tick at least one person first."), "error")
        else:
            ids, attended = marks
            try:
                marked = services.check_in(event, ids, attended, current_user,
                                           timeutil.utcnow())
            except RuleViolation as exc:
                db.session.rollback()
                flash(str(exc.message), "error")
            else:
                db.session.commit()
                flash(_marked_message(marked, attended), "success" if marked else "error")
                anchor = f"r-{ids[0]}" if "mark" in request.form else None
    return redirect(url_for("manage.attendance_page", event_id=event.id,
                            **_list_args(request.form), _anchor=anchor))


def _marked_message(marked: int, attended: bool) -> str:
    if not marked:
        return _("Nobody was marked: only confirmed registrations can be checked in.")
    if attended:
        return ngettext("%(num)d person marked as attended.",
                        "%(num)d people marked as attended.", marked)
    return ngettext("%(num)d person marked as no-show.", "%(num)d people marked as no-show.",
                    marked)


@bp.post(PREFIX + "/spontan")
def add_walk_in(event_id: int):
    event = load_event(event_id)
    form = _walk_in_form()
    person = services.WalkIn(first_name=form.first_name.data or "",
                             last_name=form.last_name.data or "",
                             email=form.email.data or "", region_code=form.region_code.data)
    added = formtools.submit(form, lambda: services.check_in_walk_in(
        event, person, current_user, timeutil.utcnow()))
    if added is formtools.NOT_SAVED:
        return _check_in_page(event, form, 422 if form.errors else 200)
    flash(_("%(name)s has been added as a walk-in and marked as attended.",
            name=added.full_name), "success")
    return redirect(url_for("manage.attendance_page", event_id=event.id, q=added.last_name,
                            _anchor=f"r-{added.id}"))


# --- import --------------------------------------------------------------------------------

def _load_import(event: Event, import_id: int) -> AttendanceImport:
    record = importing.get_import(event, import_id)
    if record is None:
        abort(404)
    return record


def _upload(event: Event, form: forms.UploadForm):
    storage = form.file.data
    limit = int(current_app.config["ATTENDANCE_IMPORT_MAX_BYTES"])
    data = storage.stream.read(limit + 1)  # one byte more tells "too large"
    now = timeutil.utcnow()
    importing.purge(now)
    return importing.upload(event, storage.filename or "", data, current_user, now)


def _next_page(event: Event, record: AttendanceImport):
    """The preview, or first the mapping page if the file's columns are still to be chosen."""
    endpoint = "manage.import_mapping" if record.needs_mapping else "manage.import_preview"
    return redirect(url_for(endpoint, event_id=event.id, import_id=record.id))


@bp.route(IMPORTS, methods=["GET", "POST"])
def import_upload(event_id: int):
    event = load_event(event_id)
    form = forms.UploadForm()
    result = formtools.submit(form, lambda: _upload(event, form))
    if result is not formtools.NOT_SAVED:
        record, new = result
        if not new:
            flash(_("This file has been uploaded before; nothing has changed."), "info")
        return _next_page(event, record)
    return render_template("attendance/import.html", event=event, form=form,
                           imports=importing.imports_of(event),
                           min_minutes=current_app.config["ATTENDANCE_MIN_MINUTES"]), \
        422 if form.errors else 200


@bp.get(IMPORTS + "/<int:import_id>")
def import_preview(event_id: int, import_id: int):
    event = load_event(event_id)
    record = _load_import(event, import_id)
    if record.needs_mapping:
        return _next_page(event, record)
    shown = None
    try:
        shown = importing.shown(record, event)
    except NeedsMapping:  # a mapping of an older version that no longer fits
        return redirect(url_for("manage.import_mapping", event_id=event.id,
                                import_id=record.id))
    except ParseError as exc:  # the event's time zone changed since the upload
        flash(_("Line %(line)d: %(problem)s", line=exc.line, problem=str(exc.message)),
              "error")
    return render_template("attendance/import_preview.html", event=event, record=record,
                           shown=shown, chosen_at=mappings.chosen_at(record),
                           confirm=ConfirmForm(), status_labels=STATUS_LABELS,
                           summary_labels=imports.SUMMARY_LABELS)


@bp.route(IMPORTS + "/<int:import_id>/spalten", methods=["GET", "POST"])
def import_mapping(event_id: int, import_id: int):
    """Which column holds what, for a file whose columns were not recognised."""
    event = load_event(event_id)
    record = _load_import(event, import_id)
    step = mappings.step(record, event, sheet=request.values.get("blatt", type=int),
                         header_line=request.values.get("kopfzeile", type=int))
    if step is None:  # a known layout, or stored already: nothing to choose
        return redirect(url_for("manage.import_preview", event_id=event.id,
                                import_id=record.id))
    form = forms.MappingForm().with_columns(step.choices)
    if request.method == "GET":
        form.show(step.initial)
    chosen = formtools.submit(form, lambda: mappings.choose(
        record, event, step, form.mapping(step.header_line), current_user, timeutil.utcnow()))
    if chosen is not formtools.NOT_SAVED:
        flash(_("The file has been read with these columns, and they will be used for the "
                "next file with the same columns. Nothing has been stored yet."), "success")
        return redirect(url_for("manage.import_preview", event_id=event.id,
                                import_id=record.id))
    return render_template("attendance/import_mapping.html", event=event, record=record,
                           step=step, form=form, confirm=ConfirmForm()), \
        422 if form.errors else 200


def _act(event_id: int, import_id: int, action):
    """Run ``action(event, record) -> (category, message)`` after the CSRF check; commit."""
    event = load_event(event_id)
    record = _load_import(event, import_id)
    if ConfirmForm().validate_on_submit():
        try:
            category, message = action(event, record)
        except (RuleViolation, ParseError) as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(message, category)
    return event, record


@bp.post(IMPORTS + "/<int:import_id>/uebernehmen")
def apply_import(event_id: int, import_id: int):
    def action(event, record):
        walk_ins = set(forms.ids_from(request.form.getlist("walk_in")))
        if not importing.apply(record, event, walk_ins, current_user, timeutil.utcnow()):
            return "info", _("This file has been imported already; nothing has changed.")
        return "success", _("The attendance has been stored. Matched: %(matched)d; walk-ins "
                            "added: %(walk_ins)d.", matched=record.matched_count,
                            walk_ins=record.walk_in_count)

    event, record = _act(event_id, import_id, action)
    return redirect(url_for("manage.import_preview", event_id=event.id, import_id=record.id))


@bp.post(IMPORTS + "/<int:import_id>/verwerfen")
def discard_import(event_id: int, import_id: int):
    def action(event, record):
        if importing.discard(record):
            return "success", _("The upload has been discarded; nothing was imported.")
        return "error", _("An import that has been stored cannot be discarded.")

    event, _record = _act(event_id, import_id, action)
    return redirect(url_for("manage.import_upload", event_id=event.id))


@bp.get(IMPORTS + "/<int:import_id>/datei")
def import_file(event_id: int, import_id: int):
    """The uploaded file as it was, for audit (until its retention date)."""
    event = load_event(event_id)
    record = _load_import(event, import_id)
    content = importing.content_of(record)
    if content is None:
        abort(404)
    audit.record(current_user, "export.attendance_file", timeutil.utcnow(), event=event,
                 target=("attendance_import", record.id))
    db.session.commit()
    response = send_file(io.BytesIO(content), mimetype="application/octet-stream",
                         as_attachment=True, download_name=record.filename)
    response.headers["Cache-Control"] = "no-store"
    return response
