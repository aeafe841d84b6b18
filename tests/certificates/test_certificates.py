"""Certificates of attendance: the PDF's text (read back with pypdf), who gets one, the
public check of a code, the organizers' ZIP and switch, the links to it."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from eventhub import timeutil
from eventhub.attendance.models import Attendance, AttendanceSource
from eventhub.certificates import services
from eventhub.registration import erasure, tokens
from eventhub.reminders import mails
from eventhub.reminders.models import ReminderKind, ReminderRule
from tests.factories import berlin
from tests.registration.test_manage_registrations import add_registration

START = berlin(2026, 11, 21, 10)


@pytest.fixture()
def dialogue(make, db_session, clock):
    clock.set(START + timedelta(hours=3))
    centre = make.organization(name="Zukunftszentrum Thüringen", slug="zz-th-zert")
    event = make.event(organization=centre, title="Regionale Impulse für morgen",
                       starts_at=START, ends_at=START + timedelta(minutes=90))
    people = {}
    for key, first, last, attended, language in (
            ("joerg", "Jörg", "Müller", True, "de"), ("ann", "Ann", "Smith", True, "en"),
            ("max", "Max", "Abwesend", False, "de"), ("nobody", "Nora", "Ohne", None, "de")):
        people[key] = add_registration(db_session, event, first_name=first, last_name=last,
                                       language=language)
        if attended is not None:
            db_session.add(Attendance(registration_id=people[key].id, attended=attended,
                                      source=AttendanceSource.CHECK_IN))
    organizer = make.user(organization=centre)
    services.switch(event, True, organizer, timeutil.utcnow())
    db_session.commit()
    return SimpleNamespace(event=event, organizer=organizer, **people)


def _pdf_url(registration) -> str:
    return f"/anmeldung/{tokens.make(registration, tokens.MANAGE)}/bescheinigung.pdf"


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_names_the_person_with_umlauts_and_the_date_in_german(client, dialogue):
    response = client.get(_pdf_url(dialogue.joerg))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    [page] = reader.pages
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    text = _text(response.data)
    for expected in ("Teilnahmebescheinigung", "Jörg Müller", "Regionale Impulse für morgen",
                     "am Samstag, 21. November 2026 teilgenommen hat.",
                     "Dauer: 1 Stunde 30 Minuten",
                     "Veranstalter: Zukunftszentrum Thüringen"):
        assert expected in text, text
    code = re.search(r"Prüfcode: ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})", text).group(1)
    assert reader.metadata.title == "Teilnahmebescheinigung: Jörg Müller"
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "de" and catalog["/MarkInfo"]["/Marked"]
    [document] = catalog["/StructTreeRoot"]["/K"]
    roles = [kid.get_object()["/S"] for kid in document.get_object()["/K"]]
    assert roles[0] == "/H1" and roles.count("/P") == 9  # tagged text, in reading order
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    assert all("DejaVuSans" in font["/BaseFont"] for font in fonts)
    assert all("/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
               for font in fonts)  # embedded: the umlauts look the same everywhere
    assert client.get(_pdf_url(dialogue.joerg)).data.count(code.encode()) == \
        response.data.count(code.encode())  # the same code on every download
    assert code in _text(client.get(_pdf_url(dialogue.joerg)).data)


def test_in_english_for_people_who_registered_in_english(client, dialogue):
    text = _text(client.get(_pdf_url(dialogue.ann)).data)
    assert "Certificate of attendance" in text and "Ann Smith" in text
    assert "Duration: 1 hour 30 minutes" in text


def test_no_certificate_without_attendance_or_with_a_bad_link(client, dialogue, db_session):
    assert client.get(_pdf_url(dialogue.max)).status_code == 404
    assert client.get(_pdf_url(dialogue.nobody)).status_code == 404
    token = tokens.make(dialogue.joerg, tokens.MANAGE)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get(f"/anmeldung/{tampered}/bescheinigung.pdf").status_code == 400
    confirm = tokens.make(dialogue.joerg, tokens.CONFIRM)  # a link of another purpose
    assert client.get(f"/anmeldung/{confirm}/bescheinigung.pdf").status_code == 400
    services.switch(dialogue.event, False, dialogue.organizer, timeutil.utcnow())
    db_session.commit()
    assert client.get(_pdf_url(dialogue.joerg)).status_code == 404


def test_the_public_check(client, dialogue, db_session):
    made_up = client.get("/bescheinigung/pruefen", query_string={"code": "ABCD-EFGH-JKLM"})
    assert "Nicht gültig" in made_up.get_data(as_text=True)
    junk = client.get("/bescheinigung/pruefen", query_string={"code": "<script>'" * 20})
    assert junk.status_code == 200 and "<script>" not in junk.get_data(as_text=True)
    certificate = services.issue(dialogue.joerg, timeutil.utcnow())
    db_session.commit()
    page = client.get("/bescheinigung/pruefen",
                      query_string={"code": certificate.code.lower().replace("-", " ")})
    text = page.get_data(as_text=True)
    assert ("Gültig: Jörg Müller hat am Samstag, 21. November 2026 an „Regionale Impulse "
            "für morgen“ teilgenommen (Zukunftszentrum Thüringen).") in text
    assert dialogue.joerg.email not in text
    erasure.erase(dialogue.joerg, timeutil.utcnow())
    db_session.commit()
    again = client.get("/bescheinigung/pruefen", query_string={"code": certificate.code})
    assert "Nicht gültig" in again.get_data(as_text=True)


def test_the_personal_page_and_the_follow_up_link_it(client, dialogue, db_session):
    token = tokens.make(dialogue.joerg, tokens.MANAGE)
    page = client.get(f"/anmeldung/{token}").get_data(as_text=True)
    assert f"/anmeldung/{token}/bescheinigung.pdf" in page
    other = client.get(f"/anmeldung/{tokens.make(dialogue.max, tokens.MANAGE)}")
    assert "bescheinigung.pdf" not in other.get_data(as_text=True)
    rule = ReminderRule(event_id=dialogue.event.id, kind=ReminderKind.AFTER_END)
    db_session.add(rule)
    db_session.flush()
    assert "/bescheinigung.pdf" in mails.context(rule, dialogue.joerg)["certificate_url"]
    assert mails.context(rule, dialogue.max)["certificate_url"] is None


def test_organizers_download_all_as_a_zip_and_others_get_404(client, login, make, dialogue):
    login(dialogue.organizer)
    response = client.get(f"/verwaltung/veranstaltungen/{dialogue.event.id}"
                          "/bescheinigungen.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        texts = [_text(archive.read(name)) for name in names]
    assert len(names) == 2
    assert any("Jörg Müller" in t for t in texts) and any("Ann Smith" in t for t in texts)
    client.post("/logout")
    login(make.user())
    assert client.get(f"/verwaltung/veranstaltungen/{dialogue.event.id}"
                      "/bescheinigungen.zip").status_code == 404
    assert client.post(f"/verwaltung/veranstaltungen/{dialogue.event.id}/bescheinigungen",
                       data={"switch": "off"}).status_code == 404
