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
and never change the grade; the examination items a clinician records on one (DN4 items
8-10: hypoaesthesia to touch or pinprick, brush allodynia, in the painful area) are
examination findings, and a sign found there counts as step 2 (:class:`ExaminedSigns`). A
sign found there beside a case that says "no sensory signs" is a contradiction: the step is
then treated as not assessed, so the grade never rises on disputed findings.

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
from acuneuro.i18n import N_
from acuneuro.i18n.prose import fill

__all__ = ["REASON_SENTENCES", "ExaminedSigns", "Grade", "NeupsigGrading",
           "grade_neuropathic_pain"]

# The reasons made with the examination's own words; a page reads them back into these
# templates to show them translated (REASON_SENTENCES, acuneuro.i18n.prose).
_SIGNS_DISPUTED = N_("the case records no sensory signs, but the clinician's examination found "
                     "{named}: sensory signs treated as not assessed until this is resolved")
_SIGNS_FOUND = N_("sensory signs found on examination ({named})")
_SIGNS_NONE_OF = N_("examination found none of {none_of}; other sensory signs not assessed")
_TEST_ONLY_UNASSESSED = N_("sensory signs not assessed, but a diagnostic test confirms the "
                           "lesion: probable ('definite' needs sensory signs as well)")
_TEST_ONLY_NOT_FOUND = N_("sensory signs not found, but a diagnostic test confirms the lesion: "
                          "probable ('definite' needs sensory signs as well)")
REASON_SENTENCES = (_SIGNS_DISPUTED, _SIGNS_FOUND, _SIGNS_NONE_OF)

Grade = Literal["unlikely", "possible", "probable", "definite"]

_SOURCES = ["finnerup2016"]


@dataclass(frozen=True)
class NeupsigGrading:
    """The grade (``None``: entry criteria not assessed) with the reasons for it."""

    grade: Grade | None
    reasons: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=lambda: list(_SOURCES))


@dataclass(frozen=True)
class ExaminedSigns:
    """Sensory signs a clinician examined on a form, in the painful area.

    ``found`` and ``absent`` are the human labels of the signs examined present and absent;
    ``form`` names where they were recorded (e.g. "DN4 examination").
    """

    form: str
    found: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)


def _signs(
    findings: Findings, examined: list[ExaminedSigns]
) -> tuple[bool | None, list[str]]:
    """The sensory-signs fact after adding what examination forms recorded, with reasons."""
    found = [(e.form, label) for e in examined for label in e.found]
    absent = [(e.form, label) for e in examined for label in e.absent]
    named = "; ".join(f"{form}: {label}" for form, label in found)
    if findings.sensory_signs is True:
        return True, []
    if found and findings.sensory_signs is False:
        return None, [fill(_SIGNS_DISPUTED, {"named": named})]
    if found:
        return True, [fill(_SIGNS_FOUND, {"named": named})]
    if findings.sensory_signs is None and absent:
        none_of = "; ".join(f"{form}: {label}" for form, label in absent)
        return None, [fill(_SIGNS_NONE_OF, {"none_of": none_of})]
    return findings.sensory_signs, []


def _entry(findings: Findings) -> tuple[bool | None, list[str]]:
    history, distribution = findings.lesion_or_disease, findings.plausible_distribution
    reasons = []
    if history is False:
        reasons.append(N_("history: no relevant lesion or disease of the somatosensory system"))
    if distribution is False:
        reasons.append(N_("pain distribution is not neuroanatomically plausible"))
    if reasons:
        return False, reasons
    if history is None:
        reasons.append(N_("history of a relevant lesion or disease: not assessed"))
    if distribution is None:
        reasons.append(N_("neuroanatomical plausibility of the distribution: not assessed"))
    if reasons:
        return None, reasons
    return True, [
        N_("history of a relevant lesion or disease and a neuroanatomically plausible "
           "distribution: possible neuropathic pain")
    ]


def grade_neuropathic_pain(
    findings: Findings, examined: list[ExaminedSigns] | None = None
) -> NeupsigGrading:
    """Grade neuropathic pain by the NeuPSIG 2016 flow chart (see the module docstring).

    ``examined``: sensory signs the clinician recorded on examination forms (DN4 items 8-10,
    the LANSS bedside tests), which count as step 2 beside ``findings.sensory_signs``.
    """
    entered, reasons = _entry(findings)
    if entered is False:
        return NeupsigGrading("unlikely", [*reasons, N_("entry criteria not met: unlikely")])
    if entered is None:
        return NeupsigGrading(None, [*reasons, N_("grading stops before 'possible'")])
    signs, sign_reasons = _signs(findings, examined or [])
    reasons.extend(sign_reasons)
    test = findings.confirmatory_test
    if signs is True:
        reasons.append(N_("sensory signs in the same plausible distribution: probable"))
        if test is True:
            reasons.append(N_("a diagnostic test confirms the lesion or disease: definite"))
            return NeupsigGrading("definite", reasons)
        if test is None:
            reasons.append(N_("confirmatory test: not assessed; grading stops at 'probable'"))
        else:
            reasons.append(N_("confirmatory test negative: stays 'probable'"))
        return NeupsigGrading("probable", reasons)
    if test is True:
        # Figure 2 legend: a confirmed lesion supports "probable" when signs are hard to show.
        reasons.append(_TEST_ONLY_UNASSESSED if signs is None else _TEST_ONLY_NOT_FOUND)
        return NeupsigGrading("probable", reasons)
    if signs is None:
        reasons.append(N_("sensory examination: not assessed; grading stops at 'possible'"))
    else:
        reasons.append(N_("no sensory signs in the plausible distribution: stays 'possible'"))
    if test is None:
        reasons.append(N_("confirmatory test: not assessed"))
    return NeupsigGrading("possible", reasons)
