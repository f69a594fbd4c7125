"""One report document for the command line and the web page: the course read meets the writers.

``acuneuro report`` and the web page's "Download report" call :func:`render_report`, so both give
the same PDF. The course comes from ``services.course.report_source`` (clinic-scoped, audited);
this layer sits above the services and below the interfaces (docs/architecture.md).
"""

from __future__ import annotations

from datetime import date

from acuneuro.i18n import current_locale, use_locale
from acuneuro.reports._model import ReportData
from acuneuro.reports.pdf import progress_report_pdf, referral_letter_pdf
from acuneuro.services import Actor, Context
from acuneuro.services.course import report_source
from acuneuro.services.referrers import get_referrer

__all__ = ["REPORT_KINDS", "render_report"]

REPORT_KINDS = ("patient", "referrer")


def render_report(ctx: Context, actor: Actor, pseudo_id: str, kind: str, *, today: date,
                  referrer: str | None = None, referrer_id: int | None = None,
                  locale: str | None = None) -> bytes:
    """The patient's progress report (``patient``) or the referral letter (``referrer``).

    The letter is addressed to ``referrer_id`` from the clinic's directory when given, else to
    the name ``referrer`` (the command line's ``--referrer``), else to "Colleague". Written in
    ``locale`` when given, else in the language of the request or command
    (``i18n.current_locale``): the account's language on the web, ``--lang`` on the command line.

    ``ValueError`` for another kind; the services' refusals (not found, no accepted plan,
    role) pass through unchanged.
    """
    if kind not in REPORT_KINDS:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(REPORT_KINDS)}")
    source = report_source(ctx, actor, pseudo_id, today=today)
    addressee: dict[str, object] = {"referring_doctor": referrer}
    if referrer_id is not None:  # a doctor of the clinic's directory (NotFound otherwise)
        chosen = get_referrer(ctx, actor, referrer_id)
        addressee = {"referring_doctor": chosen.name, "referrer_practice": chosen.practice or None,
                     "referrer_address": chosen.address_lines}
    data = ReportData.model_validate({**source.model_dump(), **addressee})
    with use_locale(locale or current_locale()):
        return progress_report_pdf(data) if kind == "patient" else referral_letter_pdf(data)
