"""reportlab's C accelerator (``rl_accel``, issue 18) must change the speed of a PDF, never a byte.

Both documents are written in a child process whose ``_rl_accel`` import is blocked, so that
reportlab falls back to its pure-Python helpers, and compared with this process's output.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from acuneuro.reports import ReportData

_CHILD = """
import hashlib, sys
sys.modules["_rl_accel"] = None
from acuneuro.reports import ReportData, progress_report_pdf, referral_letter_pdf
data = ReportData.model_validate_json(sys.stdin.read())
print(hashlib.sha256(progress_report_pdf(data)).hexdigest(),
      hashlib.sha256(referral_letter_pdf(data)).hexdigest())
"""


def test_the_pure_python_fallbacks_write_the_same_bytes(
    report_data: ReportData, progress_pdf: bytes, letter_pdf: bytes
) -> None:
    child = subprocess.run([sys.executable, "-c", _CHILD], input=report_data.model_dump_json(),
                           capture_output=True, text=True, check=True,
                           cwd=Path(__file__).parent)
    expected = [hashlib.sha256(progress_pdf).hexdigest(), hashlib.sha256(letter_pdf).hexdigest()]
    assert child.stdout.split() == expected
