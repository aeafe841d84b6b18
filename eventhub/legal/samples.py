"""Placeholder texts of the legal pages for the demo: realistic in shape, marked as
placeholders on the page (``LegalText.placeholder``) and in the text, with invented names and
addresses (``.invalid``, 01xxx numbers). An admin replaces them before going live."""
from __future__ import annotations

from eventhub.legal.models import LegalKind

_MARK_DE = ("> **Platzhalter:** Dieser Text ist ein Muster für die Demo. Namen, Anschriften "
            "und Angaben sind erfunden und müssen vor dem Betrieb durch die echten ersetzt "
            "und rechtlich geprüft werden.\n\n")
_MARK_EN = ("> **Placeholder:** this is a sample text for the demo. Names, addresses and "
            "details are invented and must be replaced by the real ones, and checked by a "
            "lawyer, before going live.\n\n")

IMPRINT_DE = _MARK_DE + """## Angaben gemäß § 5 Digitale-Dienste-Gesetz (DDG)

Zentrum digitale Arbeit (Muster)\\
c/o Musterträger gGmbH\\
Beispielstraße 12\\
10115 Berlin

## Vertreten durch

Dr. Maria Muster, Geschäftsführerin

## Kontakt

Telefon: 030 1234567-0\\
E-Mail: [kontakt@zentrum-digitale-arbeit.invalid](mailto:kontakt@zentrum-digitale-arbeit.invalid)

## Registereintrag

Eintragung im Handelsregister. Registergericht: Amtsgericht Charlottenburg,\\
Registernummer: HRB 000000 B

## Umsatzsteuer-ID

Umsatzsteuer-Identifikationsnummer gemäß § 27 a Umsatzsteuergesetz: DE000000000

## Verantwortlich für den Inhalt nach § 18 Abs. 2 MStV

Dr. Maria Muster, Anschrift wie oben

## Förderhinweis

Die Zukunftszentren und das Zentrum digitale Arbeit werden im Rahmen eines Bundesprogramms
gefördert (Muster für den Förderhinweis und das Logo des Zuwendungsgebers).

## Verbraucherstreitbeilegung

Wir sind nicht bereit und nicht verpflichtet, an Streitbeilegungsverfahren vor einer
Verbraucherschlichtungsstelle teilzunehmen.
"""

IMPRINT_EN = _MARK_EN + """## Information according to § 5 of the German Digital Services Act (DDG)

Zentrum digitale Arbeit (sample)\\
c/o Musterträger gGmbH\\
Beispielstraße 12\\
10115 Berlin, Germany

## Represented by

Dr. Maria Muster, managing director

## Contact

Phone: +49 30 1234567-0\\
E-mail: [kontakt@zentrum-digitale-arbeit.invalid](mailto:kontakt@zentrum-digitale-arbeit.invalid)

## Register entry

Commercial register of the Amtsgericht Charlottenburg, number HRB 000000 B

## Responsible for the content according to § 18 (2) MStV

Dr. Maria Muster, address as above
"""

PRIVACY_DE = _MARK_DE + """## 1. Verantwortliche Stelle

Verantwortlich für die Verarbeitung Ihrer Daten auf dieser Plattform ist das Zentrum, das die
jeweilige Veranstaltung anbietet (siehe Veranstaltungsseite), gemeinsam mit dem Zentrum
digitale Arbeit (Muster), Beispielstraße 12, 10115 Berlin,
[datenschutz@zentrum-digitale-arbeit.invalid](mailto:datenschutz@zentrum-digitale-arbeit.invalid).

## 2. Datenschutzbeauftragte

Erika Beispiel, erreichbar unter
[dsb@zentrum-digitale-arbeit.invalid](mailto:dsb@zentrum-digitale-arbeit.invalid).

## 3. Welche Daten wir verarbeiten und wozu

Wenn Sie sich zu einer Veranstaltung anmelden, verarbeiten wir Ihren Namen, Ihre
E-Mail-Adresse, Ihre Organisation und deren Größe, Ihre Rolle, Ihre Region und Ihre Antworten
auf Fragen der Veranstalter. Wir nutzen sie, um die Veranstaltung durchzuführen: für die
Bestätigung Ihrer Anmeldung, Erinnerungen, den persönlichen Zugangslink und die Erfassung der
Teilnahme. Region und Größe Ihrer Organisation werten wir ohne Ihren Namen statistisch aus.

Rechtsgrundlage ist Ihre Einwilligung (Art. 6 Abs. 1 lit. a DSGVO) sowie die Durchführung der
Veranstaltung, zu der Sie sich anmelden (Art. 6 Abs. 1 lit. b DSGVO).

## 4. Speicherdauer

Wir löschen Ihre personenbezogenen Angaben, sobald sie für die Veranstaltung und ihre
Nachbereitung nicht mehr gebraucht werden, spätestens zwölf Monate nach der Veranstaltung.
Über den persönlichen Link in jeder E-Mail können Sie Ihre Daten jederzeit selbst löschen.

## 5. Empfänger

Ihre Daten sehen nur die Mitarbeitenden des veranstaltenden Zentrums und der Koordinierungsstelle.
Die Plattform wird in einem Rechenzentrum in Deutschland betrieben (Auftragsverarbeitung nach
Art. 28 DSGVO). Eine Übermittlung in Drittländer findet nicht statt.

## 6. Ihre Rechte

Sie haben das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der Verarbeitung,
Datenübertragbarkeit und Widerspruch sowie das Recht, eine erteilte Einwilligung jederzeit mit
Wirkung für die Zukunft zu widerrufen. Sie können sich bei einer Aufsichtsbehörde beschweren,
etwa bei der Berliner Beauftragten für Datenschutz und Informationsfreiheit.

## 7. Cookies

Diese Plattform setzt für Teilnehmende keine Cookies zu Werbe- oder Analysezwecken. Ein
technisch notwendiges Sitzungs-Cookie speichert Ihre Sprachwahl.
"""

PRIVACY_EN = _MARK_EN + """## 1. Controller

The centre that offers an event (see the event page) is responsible for processing your data
on this platform, together with the Zentrum digitale Arbeit (sample), Beispielstraße 12,
10115 Berlin, Germany,
[datenschutz@zentrum-digitale-arbeit.invalid](mailto:datenschutz@zentrum-digitale-arbeit.invalid).

## 2. What we process, and why

When you register for an event we process your name, e-mail address, organization and its
size, role, region and your answers to the organizer's questions, to run the event: the
confirmation, reminders, your personal join link and the record of attendance. Region and
organization size are counted without your name. Legal basis: your consent (Art. 6 (1) (a)
GDPR) and the event you register for (Art. 6 (1) (b) GDPR).

## 3. How long

We delete your personal details when the event and its follow-up no longer need them, at
the latest twelve months after the event. You can delete them yourself at any time through
the personal link in every e-mail.

## 4. Your rights

You have the right of access, rectification, erasure, restriction, data portability and
objection, and may withdraw your consent at any time with effect for the future. You may
complain to a supervisory authority.
"""

ACCESSIBILITY_DE = _MARK_DE + """Das Zentrum digitale Arbeit (Muster) ist bemüht, diese Plattform
im Einklang mit den Vorschriften des Behindertengleichstellungsgesetzes (BGG) und der
Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) barrierefrei zugänglich zu machen.

## Stand der Vereinbarkeit mit den Anforderungen

Diese Plattform ist wegen der folgenden Unvereinbarkeiten **teilweise** mit der BITV 2.0
vereinbar:

- Hochgeladene Dokumente der Veranstalter (etwa Präsentationen) sind nicht in jedem Fall
  barrierefrei.
- Aufzeichnungen von Online-Veranstaltungen haben nicht immer Untertitel.

Die Erklärung beruht auf einer Selbstbewertung vom 1. Dezember 2026 (Muster).

## Barrieren melden: Kontakt zu den Feedback-Ansprechpartnern

Sie möchten uns bestehende Barrieren mitteilen oder Informationen zur Umsetzung der
Barrierefreiheit erfragen? Schreiben Sie an
[barrierefreiheit@zentrum-digitale-arbeit.invalid](mailto:barrierefreiheit@zentrum-digitale-arbeit.invalid)
oder rufen Sie an: 030 1234567-0.

## Schlichtungsverfahren

Wenn auch nach Ihrem Feedback an den oben genannten Kontakt keine zufriedenstellende Lösung
gefunden wurde, können Sie sich an die Schlichtungsstelle nach § 16 BGG wenden. Die
Schlichtungsstelle BGG hat die Aufgabe, bei Konflikten zum Thema Barrierefreiheit zwischen
Menschen mit Behinderungen und öffentlichen Stellen des Bundes eine außergerichtliche
Streitbeilegung zu unterstützen. Das Schlichtungsverfahren ist kostenlos. Es muss kein
Rechtsbeistand eingeschaltet werden.
"""

ACCESSIBILITY_EN = _MARK_EN + """The Zentrum digitale Arbeit (sample) strives to make this
platform accessible in line with the German Disability Equality Act (BGG) and the
Accessible Information Technology Ordinance (BITV 2.0).

## Compliance status

This platform is **partially** compliant with BITV 2.0: documents uploaded by organizers
(such as slides) are not always accessible, and recordings do not always have subtitles.

## Feedback and contact

Please report barriers to
[barrierefreiheit@zentrum-digitale-arbeit.invalid](mailto:barrierefreiheit@zentrum-digitale-arbeit.invalid)
or call +49 30 1234567-0.

## Conciliation procedure

If your feedback does not lead to a satisfactory solution, you can turn to the conciliation
body under § 16 BGG (Schlichtungsstelle BGG), free of charge.
"""

SAMPLES = {LegalKind.IMPRINT: (IMPRINT_DE, IMPRINT_EN),
           LegalKind.PRIVACY: (PRIVACY_DE, PRIVACY_EN),
           LegalKind.ACCESSIBILITY: (ACCESSIBILITY_DE, ACCESSIBILITY_EN)}
