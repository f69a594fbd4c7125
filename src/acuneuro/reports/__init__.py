"""Patient progress reports, referral letters and course charts (interface layer).

Pure inputs (``ReportData``) in, PDF or PNG bytes out; nothing here reads the store.
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

__all__ = [
    "EvidenceItem",
    "ReportData",
    "ReportPatient",
    "ReportSummary",
    "medication_chart",
    "progress_report_pdf",
    "referral_letter_pdf",
    "scores_chart",
    "summarise_report",
]
