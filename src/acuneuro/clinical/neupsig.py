"""NeuPSIG grading of neuropathic pain (Finnerup 2016) from the case's history and examination.

The flow chart, step by step:

1. Entry: a history of a relevant lesion or disease **and** a neuroanatomically plausible
   pain distribution. Both met: *possible*; either not met: *unlikely*.
2. Sensory signs (negative or positive) in the same plausible distribution: *probable*.
3. A diagnostic test confirming a lesion or disease of the somatosensory system that
   explains the pain: *definite* (when sensory signs are also present). The figure legend
   allows *probable* when signs are hard to show but a test confirms the lesion.

``None`` facts are *not assessed*: the grading stops at the last step that can be decided
and says which fact stopped it. Screening questionnaires are not a step of the flow chart
and never change the grade.

References
----------
Finnerup NB, Haroutounian S, Kamerman P, et al. Neuropathic pain: an updated grading
system for research and clinical practice. Pain 2016;157(8):1599-1606 (Figure 2).
Treede R-D, et al. Neurology 2008;70:1630-1635 (the 2008 system this revises).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from acuneuro.clinical.case import Findings

__all__ = ["Grade", "NeupsigGrading", "grade_neuropathic_pain"]

Grade = Literal["unlikely", "possible", "probable", "definite"]

_SOURCES = ["finnerup2016"]


@dataclass(frozen=True)
class NeupsigGrading:
    """The grade (``None``: entry criteria not assessed) with the reasons for it."""

    grade: Grade | None
    reasons: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=lambda: list(_SOURCES))


def _entry(findings: Findings) -> tuple[bool | None, list[str]]:
    history, distribution = findings.lesion_or_disease, findings.plausible_distribution
    reasons = []
    if history is False:
        reasons.append("history: no relevant lesion or disease of the somatosensory system")
    if distribution is False:
        reasons.append("pain distribution is not neuroanatomically plausible")
    if reasons:
        return False, reasons
    if history is None:
        reasons.append("history of a relevant lesion or disease: not assessed")
    if distribution is None:
        reasons.append("neuroanatomical plausibility of the distribution: not assessed")
    if reasons:
        return None, reasons
    return True, [
        "history of a relevant lesion or disease and a neuroanatomically plausible "
        "distribution: possible neuropathic pain"
    ]


def grade_neuropathic_pain(findings: Findings) -> NeupsigGrading:
    """Grade neuropathic pain by the NeuPSIG 2016 flow chart (see the module docstring)."""
    entered, reasons = _entry(findings)
    if entered is False:
        return NeupsigGrading("unlikely", [*reasons, "entry criteria not met: unlikely"])
    if entered is None:
        return NeupsigGrading(None, [*reasons, "grading stops before 'possible'"])
    signs, test = findings.sensory_signs, findings.confirmatory_test
    if signs is True:
        reasons.append("sensory signs in the same plausible distribution: probable")
        if test is True:
            reasons.append("a diagnostic test confirms the lesion or disease: definite")
            return NeupsigGrading("definite", reasons)
        if test is None:
            reasons.append("confirmatory test: not assessed; grading stops at 'probable'")
        else:
            reasons.append("confirmatory test negative: stays 'probable'")
        return NeupsigGrading("probable", reasons)
    if test is True:
        # Figure 2 legend: a confirmed lesion supports "probable" when signs are hard to show.
        state = "not assessed" if signs is None else "not found"
        reasons.append(
            f"sensory signs {state}, but a diagnostic test confirms the lesion: probable "
            "('definite' needs sensory signs as well)"
        )
        return NeupsigGrading("probable", reasons)
    if signs is None:
        reasons.append("sensory examination: not assessed; grading stops at 'possible'")
    else:
        reasons.append("no sensory signs in the plausible distribution: stays 'possible'")
    if test is None:
        reasons.append("confirmatory test: not assessed")
    return NeupsigGrading("possible", reasons)
