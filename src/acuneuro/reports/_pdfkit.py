"""Small reportlab helpers shared by the progress report and the letter.

Long free text never breaks a report (issue 13: a 2 KB adverse-event description raised
reportlab's LayoutError, a table row taller than a page; a 5 MB one ran for 11 minutes). A
table cell longer than ``CELL_CHARS`` shows its beginning and a note number, and the full text
follows the table as a paragraph, which reportlab splits across pages. Any text is cut at
``MAX_TEXT_CHARS`` with a sentence saying so, and a "word" longer than ``_WORD`` characters is
broken, since reportlab's search for a break point in one long word is quadratic.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from acuneuro.i18n import format_decimal
from acuneuro.i18n import gettext as _

__all__ = [
    "CELL_CHARS",
    "MAX_TEXT_CHARS",
    "build_pdf",
    "heading",
    "para",
    "printable",
    "small",
    "space",
    "table",
]

_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=10, leading=13)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8, leading=10, textColor=colors.grey)
_CELL = ParagraphStyle("cell", parent=_BODY, fontSize=8.5, leading=10.5)
_WIDTH = A4[0] - 36 * mm

CELL_CHARS = 300  # a cell holds a few lines; more goes to a note under the table
MAX_TEXT_CHARS = 20_000  # about eight pages; the record keeps the whole text
_WORD = 60
_LONG_WORD = re.compile(rf"\S{{{_WORD + 1},}}")


def printable(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``text`` cut at ``limit`` characters (saying so), its overlong words broken."""
    if len(text) > limit:
        text = text[:limit] + _(" ... [cut here: the record holds %(count)s characters; open it "
                                "to read the rest]") % {"count": format_decimal(len(text), 0)}
    return _LONG_WORD.sub(
        lambda m: " ".join(m.group(0)[i:i + _WORD] for i in range(0, len(m.group(0)), _WORD)),
        text)


def para(text: str) -> Paragraph:
    return Paragraph(escape(printable(text)), _BODY)


def small(text: str) -> Paragraph:
    return Paragraph(escape(printable(text)), _SMALL)


def heading(text: str, level: int = 2) -> Paragraph:
    return Paragraph(escape(printable(text, 300)), _STYLES[f"Heading{level}"])


def space(height_mm: float = 3) -> Spacer:
    return Spacer(1, height_mm * mm)


def table(header: Sequence[str], rows: Sequence[Sequence[str]],
          widths: Sequence[float]) -> list[Flowable]:
    """A ruled table, then the full text of any cell longer than ``CELL_CHARS``.

    ``widths`` are fractions of the text width.
    """
    notes: list[Flowable] = []

    def cell(text: str, column: int) -> Paragraph:
        if len(text) <= CELL_CHARS:
            return Paragraph(escape(printable(text)), _CELL)
        notes.append(Paragraph(escape(f"Note {len(notes) + 1} ({header[column]}): "
                                      + printable(text)), _CELL))
        short = printable(text[:CELL_CHARS].rsplit(" ", 1)[0], CELL_CHARS)
        return Paragraph(escape(f"{short} ... (note {len(notes)} below)"), _CELL)

    cells = [[Paragraph(f"<b>{escape(h)}</b>", _CELL) for h in header]]
    cells += [[cell(c, i) for i, c in enumerate(row)] for row in rows]
    t = Table(cells, colWidths=[w * _WIDTH for w in widths], repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.93, 0.97)),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.Color(0.7, 0.7, 0.7)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [t, *notes]


def build_pdf(story: list[Flowable], title: str, author: str) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=author,
        # Same input, same bytes: no timestamp or random id in the file.
        invariant=True,
    )
    doc.build(story)
    return buf.getvalue()
