"""The certificate's page, drawn with fpdf2 (see ``pdf``, which imports this module only
when the first certificate is made)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fpdf import FPDF, ViewerPreferences

from eventhub.certificates.pdf import Texts

FONTS = Path(__file__).parent / "fonts"


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
