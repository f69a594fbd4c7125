"""Pain type (neuropathic, nociceptive, mixed, undetermined) for one clinical case.

The NeuPSIG grade (:mod:`acuneuro.clinical.neupsig`) is combined with the screening
instruments recorded in ``case.screening``, each scored by the one scoring engine. The
combination table lives in ``knowledge/instruments/_pain_type.yaml`` and is an **acuneuro
design decision, not a published rule**: Finnerup 2016 keeps screening tools outside the
grading flow chart, so here a screening result never upgrades the grade and only an
examination-backed grade (probable or definite) makes pain "neuropathic".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from acuneuro.clinical._scoring_answers import normalise_answers
from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.neupsig import ExaminedSigns, Grade, grade_neuropathic_pain
from acuneuro.clinical.scoring import ScoreResult, get_instrument, score_checked
from acuneuro.knowledge import pain_type_rules

__all__ = ["Classification", "PainType", "classify", "examined_signs", "screening_summary"]

PainType = Literal["neuropathic", "nociceptive", "mixed", "undetermined"]
Screening = Literal["positive", "negative", "discordant", "indeterminate", "none"]


@dataclass(frozen=True)
class Classification:
    """What ``acuneuro classify`` prints."""

    neupsig_grade: Grade | None
    pain_type: PainType
    reasons: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """The public JSON contract ``{"neupsig_grade","pain_type","reasons","sources"}``."""
        return {
            "neupsig_grade": self.neupsig_grade,
            "pain_type": self.pain_type,
            "reasons": list(self.reasons),
            "sources": list(self.sources),
        }


def _reading(result: ScoreResult) -> str:
    if result.positive is True:
        return "positive"
    if result.positive is False:
        return "negative"
    return "no reading"


def screening_summary(case: ClinicalCase) -> tuple[Screening, list[str], list[str]]:
    """Overall screening result, one reason per instrument, and the sources used.

    Raises :class:`~acuneuro.clinical.scoring.AnswerError` or
    :class:`~acuneuro.clinical.scoring.UnknownInstrumentError` for bad screening answers.
    """
    rules = pain_type_rules()
    reasons: list[str] = []
    sources: list[str] = []
    readings: list[bool | None] = []
    for instrument_id in sorted(case.screening):
        instrument = get_instrument(instrument_id)
        answers = normalise_answers(instrument, case.screening[instrument_id])
        result = score_checked(instrument, answers)
        if instrument_id not in rules.screening_instruments:
            reasons.append(f"{instrument_id}: recorded, not a screening tool for pain type")
            continue
        readings.append(result.positive)
        total = "not computed" if result.total is None else f"{result.total:g}"
        reasons.append(
            f"{instrument_id}: total {total}, {_reading(result)} ({result.interpretation})"
        )
        sources.extend(result.sources)
    if not readings:
        return "none", reasons, sources
    positive, negative = True in readings, False in readings
    if positive and negative:
        return "discordant", reasons, sources
    if positive:
        return "positive", reasons, sources
    if negative:
        return "negative", reasons, sources
    return "indeterminate", reasons, sources


def examined_signs(case: ClinicalCase) -> list[ExaminedSigns]:
    """Sensory signs recorded on the examination items of the case's screening forms.

    Which items are sensory signs is data (``examination_signs`` in ``_pain_type.yaml``:
    DN4 items 8-10, the LANSS bedside tests; Finnerup 2016 step 2). Those items are
    ``clinician_only``, so a patient's own form can never supply them.
    """
    found: list[ExaminedSigns] = []
    for signs in pain_type_rules().examination_signs:
        raw = case.screening.get(signs.instrument)
        if raw is None:
            continue
        instrument = get_instrument(signs.instrument)
        answers = normalise_answers(instrument, raw)
        labels = {i: instrument.item(i).text for i in signs.items}
        found.append(ExaminedSigns(
            form=f"{instrument.name} examination",
            found=[labels[i] for i in signs.items if answers.get(i) == "yes"],
            absent=[labels[i] for i in signs.items if answers.get(i) == "no"],
        ))
    return found


def classify(case: ClinicalCase) -> Classification:
    """NeuPSIG grade, pain type and every reason behind them."""
    rules = pain_type_rules()
    examined = examined_signs(case)
    grading = grade_neuropathic_pain(case.findings, examined)
    screening, screen_reasons, screen_sources = screening_summary(case)
    grade_key = grading.grade or "not_gradable"
    row = next(r for r in rules.rules if r.grade == grade_key and r.screening == screening)
    reasons = [
        *(f"NeuPSIG: {r}" for r in grading.reasons),
        *(f"screening: {r}" for r in screen_reasons),
        f"screening overall: {screening}",
        f"pain type: {row.reason}",
        rules.design_note,
    ]
    sign_sources = [s for e in rules.examination_signs
                    if e.instrument in case.screening for s in e.sources]
    sources = list(dict.fromkeys([*grading.sources, *screen_sources, *sign_sources,
                                  *rules.sources]))
    return Classification(grading.grade, row.pain_type, reasons, sources)
