"""Organizer pages for an event's agenda and speakers (routes on the manage blueprint)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventhub import formtools, timeutil
from eventhub.events import agenda, forms
from eventhub.events.manage_blueprint import bp, load_event
from eventhub.events.models import AgendaItem, Event, Speaker


def _item_form(event: Event, item: AgendaItem | None = None) -> forms.AgendaItemForm:
    form = forms.AgendaItemForm(obj=item) if item else forms.AgendaItemForm()
    form.speaker_ids.choices = [(s.id, s.name) for s in event.speakers]
    if request.method == "GET":
        if item is not None:
            form.starts_local.data = timeutil.local_naive(item.starts_at, event.timezone)
            form.ends_local.data = timeutil.local_naive(item.ends_at, event.timezone)
            form.speaker_ids.data = [s.id for s in item.speakers]
        else:
            last_end = max((i.ends_at for i in event.agenda_items), default=event.starts_at)
            form.starts_local.data = timeutil.local_naive(last_end, event.timezone)
    return form


def _run(form, action) -> bool:
    return formtools.submit(form, action) is not formtools.NOT_SAVED


def _agenda_data(form: forms.AgendaItemForm) -> agenda.AgendaData:
    return agenda.AgendaData(title=form.title.data, description=form.description.data or "",
                             starts_local=form.starts_local.data,
                             ends_local=form.ends_local.data,
                             speaker_ids=list(form.speaker_ids.data or []))


@bp.route("/veranstaltungen/<int:event_id>/programm", methods=["GET", "POST"])
def agenda_page(event_id: int):
    event = load_event(event_id)
    form = _item_form(event)
    if _run(form, lambda: agenda.add_item(current_user, event, _agenda_data(form))):
        flash(_("The agenda item has been added."), "success")
        return redirect(url_for("manage.agenda_page", event_id=event.id))
    return render_template("manage/agenda.html", event=event, form=form,
                           confirm=forms.ConfirmForm()), 422 if form.errors else 200


def _load_item(event: Event, item_id: int) -> AgendaItem:
    item = agenda.get_item(event, item_id)
    if item is None:
        abort(404)
    return item


@bp.route("/veranstaltungen/<int:event_id>/programm/<int:item_id>", methods=["GET", "POST"])
def edit_agenda_item(event_id: int, item_id: int):
    event = load_event(event_id)
    item = _load_item(event, item_id)
    form = _item_form(event, item)
    if _run(form, lambda: agenda.update_item(current_user, item, _agenda_data(form))):
        flash(_("The agenda item has been saved."), "success")
        return redirect(url_for("manage.agenda_page", event_id=event.id))
    return render_template("manage/agenda_item.html", event=event, item=item, form=form), \
        422 if form.errors else 200


@bp.post("/veranstaltungen/<int:event_id>/programm/<int:item_id>/loeschen")
def delete_agenda_item(event_id: int, item_id: int):
    event = load_event(event_id)
    item = _load_item(event, item_id)
    if _run(forms.ConfirmForm(), lambda: agenda.delete_item(current_user, item)):
        flash(_("The agenda item has been deleted."), "success")
    return redirect(url_for("manage.agenda_page", event_id=event.id))


@bp.post("/veranstaltungen/<int:event_id>/programm/<int:item_id>/verschieben")
def move_agenda_item(event_id: int, item_id: int):
    event = load_event(event_id)
    item = _load_item(event, item_id)
    direction = -1 if request.form.get("direction") == "up" else 1
    if _run(forms.ConfirmForm(), lambda: agenda.move_item(current_user, item, direction)):
        flash(_("The agenda has been reordered; times were exchanged."), "success")
    return redirect(url_for("manage.agenda_page", event_id=event.id,
                            _anchor=f"item-{item.id}"))


def _speaker_form(speaker: Speaker | None = None) -> forms.SpeakerForm:
    form = forms.SpeakerForm(obj=speaker) if speaker else forms.SpeakerForm()
    form.region_code.choices = formtools.region_choices(blank=_("Choose a region"))
    return form


def _speaker_data(form: forms.SpeakerForm) -> agenda.SpeakerData:
    return agenda.SpeakerData(name=form.name.data, region_code=form.region_code.data,
                              role=form.role.data or "",
                              organization_name=form.organization_name.data or "",
                              bio=form.bio.data or "")


@bp.route("/veranstaltungen/<int:event_id>/referierende", methods=["GET", "POST"])
def speakers_page(event_id: int):
    event = load_event(event_id)
    form = _speaker_form()
    if _run(form, lambda: agenda.add_speaker(current_user, event, _speaker_data(form))):
        flash(_("The speaker has been added."), "success")
        return redirect(url_for("manage.speakers_page", event_id=event.id))
    return render_template("manage/speakers.html", event=event, form=form,
                           confirm=forms.ConfirmForm()), 422 if form.errors else 200


def _load_speaker(event: Event, speaker_id: int) -> Speaker:
    speaker = agenda.get_speaker(event, speaker_id)
    if speaker is None:
        abort(404)
    return speaker


@bp.route("/veranstaltungen/<int:event_id>/referierende/<int:speaker_id>",
          methods=["GET", "POST"])
def edit_speaker(event_id: int, speaker_id: int):
    event = load_event(event_id)
    speaker = _load_speaker(event, speaker_id)
    form = _speaker_form(speaker)
    if _run(form, lambda: agenda.update_speaker(current_user, speaker, _speaker_data(form))):
        flash(_("The speaker has been saved."), "success")
        return redirect(url_for("manage.speakers_page", event_id=event.id))
    return render_template("manage/speaker.html", event=event, speaker=speaker, form=form), \
        422 if form.errors else 200


@bp.post("/veranstaltungen/<int:event_id>/referierende/<int:speaker_id>/loeschen")
def delete_speaker(event_id: int, speaker_id: int):
    event = load_event(event_id)
    speaker = _load_speaker(event, speaker_id)
    if _run(forms.ConfirmForm(), lambda: agenda.delete_speaker(current_user, speaker)):
        flash(_("The speaker has been removed."), "success")
    return redirect(url_for("manage.speakers_page", event_id=event.id))
