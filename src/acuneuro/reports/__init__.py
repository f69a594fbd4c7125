"""Patient progress reports, referral letters and course charts.

The writers take pure inputs (``ReportData``) and give PDF or PNG bytes; ``render_report`` feeds
them the course read by the services, for the command line and the web page alike. Nothing here
reads the store.
"""

from acuneuro.reports._model import (
    EvidenceItem,
    ReportData,
    ReportPatient,
    ReportSummary,
    summarise_report,
)
from acuneuro.reports.charts import medication_chart, scores_chart
from acuneuro.reports.pdf import progress_report_pdf, referral_letter_pdf
from acuneuro.reports.render import REPORT_KINDS, render_report

__all__ = [
    "REPORT_KINDS",
    "EvidenceItem",
    "ReportData",
    "ReportPatient",
    "ReportSummary",
    "medication_chart",
    "progress_report_pdf",
    "referral_letter_pdf",
    "render_report",
    "scores_chart",
    "summarise_report",
]
