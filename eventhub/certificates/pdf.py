"""The certificate as a PDF (fpdf2): A4, real text in an embedded Unicode font (DejaVu
Sans, shipped in fonts/ under its licence, so umlauts work on any machine), the document's
language and title set for screen readers, and every line tagged as a heading or a
paragraph of the document's structure tree (a tagged PDF: /MarkInfo, /StructTreeRoot), so
that assistive technology reads it in order. Pure: data in, bytes out.

fpdf2 tags only images and outline sections by itself; ``_tagged`` uses the same calls
(its structure builder and marked content), pinned by the version range in pyproject.toml
and checked by tests/certificates. fpdf2 and its font tools (about 20 MB) are imported with
the first certificate (``layout``), not by every web worker."""
from __future__ import annotations

from dataclasses import dataclass


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


def render(texts: Texts) -> bytes:
    from eventhub.certificates import layout
    return layout.render(texts)
