"""The certificate as a PDF (fpdf2): A4, real text in an embedded Unicode font (DejaVu
Sans, shipped in fonts/ under its licence, so umlauts work on any machine), the document's
language and title set for screen readers, and every line tagged as a heading or a
paragraph of the document's structure tree (a tagged PDF: /MarkInfo, /StructTreeRoot), so
that assistive technology reads it in order. Pure: data in, bytes out.

fpdf2 tags only images and outline sections by itself; ``_tagged`` uses the same calls
(its structure builder and marked content), pinned by the version range in pyproject.toml
and checked by tests/certificates."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF, ViewerPreferences

FONTS = Path(__file__).parent / "fonts"


@dataclass(frozen=True)
class Texts:
    """Everything printed, already in the person's language."""
    language: str
    heading: str
    lead: str
    name: str
    attended: str
    title: str
    facts: tuple[str, ...]  # date, duration, organizer
    code_line: str
    verify_line: str


class _Certificate(FPDF):
    @contextmanager
    def tagged(self, role: str) -> Iterator[None]:
        """The text written inside is one structure element (``/H1``, ``/P``)."""
        mcid = self.struct_builder.next_mcid_for_page(self.page)
        self._add_marked_content(struct_type=role, mcid=mcid)
        self._out(f"{role} <</MCID {mcid}>> BDC")
        yield
        self._out("EMC")

    def block(self, role: str, text: str, size: int, height: float, *,
              bold: bool = False) -> None:
        self.set_font("DejaVu", "B" if bold else "", size)
        with self.tagged(role):
            self.multi_cell(self.epw, height, text, align="C", new_x="LMARGIN",
                            new_y="NEXT")


def render(texts: Texts) -> bytes:
    pdf = _Certificate(orientation="portrait", unit="mm", format="A4")
    pdf.set_lang(texts.language)
    pdf.set_title(f"{texts.heading}: {texts.name}")
    pdf.set_author(texts.facts[-1])
    pdf.set_creator("eventhub")
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(25, 30, 25)
    pdf.add_page()
    pdf.block("/H1", texts.heading, 26, 14, bold=True)
    pdf.ln(14)
    pdf.block("/P", texts.lead, 13, 8)
    pdf.ln(4)
    pdf.block("/P", texts.name, 20, 11, bold=True)
    pdf.ln(4)
    pdf.block("/P", texts.attended, 13, 8)
    pdf.ln(2)
    pdf.block("/P", texts.title, 16, 9, bold=True)
    pdf.ln(10)
    for fact in texts.facts:
        pdf.block("/P", fact, 12, 7)
    pdf.set_y(-60)
    pdf.block("/P", texts.code_line, 10, 6)
    pdf.block("/P", texts.verify_line, 10, 6)
    return bytes(pdf.output())
