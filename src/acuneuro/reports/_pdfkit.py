"""Small reportlab helpers shared by the progress report and the letter."""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

__all__ = ["build_pdf", "heading", "image", "para", "small", "space", "table"]

_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=10, leading=13)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8, leading=10, textColor=colors.grey)
_CELL = ParagraphStyle("cell", parent=_BODY, fontSize=8.5, leading=10.5)
_WIDTH = A4[0] - 36 * mm


def para(text: str) -> Paragraph:
    return Paragraph(escape(text), _BODY)


def small(text: str) -> Paragraph:
    return Paragraph(escape(text), _SMALL)


def heading(text: str, level: int = 2) -> Paragraph:
    return Paragraph(escape(text), _STYLES[f"Heading{level}"])


def space(height_mm: float = 3) -> Spacer:
    return Spacer(1, height_mm * mm)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> Table:
    """A ruled table; ``widths`` are fractions of the text width."""
    cells = [[Paragraph(f"<b>{escape(h)}</b>", _CELL) for h in header]]
    cells += [[Paragraph(escape(c), _CELL) for c in row] for row in rows]
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
    return t


def image(png: bytes, width_fraction: float = 1.0) -> Image:
    """A PNG scaled to a fraction of the text width, keeping its aspect ratio."""
    img = Image(io.BytesIO(png))
    scale = width_fraction * _WIDTH / img.imageWidth
    img.drawWidth = img.imageWidth * scale
    img.drawHeight = img.imageHeight * scale
    return img


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
