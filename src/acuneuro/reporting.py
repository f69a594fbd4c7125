"""A composition root for report documents: the course read and the PDF writers meet here.

``cli``, ``web`` and ``reports`` are independent interfaces (docs/architecture.md: neither
imports another), yet ``acuneuro report`` and the web page's "Download report" must give the
same PDF. As ``asgi.py`` does for the API and the web pages, this module sits outside the
layers and joins the services (``services.course.report_source``, clinic-scoped and audited)
to the writers of ``acuneuro.reports``; the command line and the web routes load it by name
(``render_report``), the way the command line starts ``acuneuro.asgi:create_app``.
"""

from __future__ import annotations

from datetime import date

from acuneuro.reports import ReportData, progress_report_pdf, referral_letter_pdf
from acuneuro.services import Actor, Context
from acuneuro.services.course import report_source

__all__ = ["KINDS", "render_report"]

KINDS = ("patient", "referrer")


def render_report(ctx: Context, actor: Actor, pseudo_id: str, kind: str, *, today: date,
                  referrer: str | None = None) -> bytes:
    """The patient's progress report (``patient``) or the referral letter (``referrer``).

    ``ValueError`` for another kind; the services' refusals (not found, no accepted plan,
    role) pass through unchanged.
    """
    if kind not in KINDS:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    source = report_source(ctx, actor, pseudo_id, today=today)
    data = ReportData.model_validate({**source.model_dump(), "referring_doctor": referrer})
    return progress_report_pdf(data) if kind == "patient" else referral_letter_pdf(data)
