"""Summary of findings per condition and comparison: effect, participants, GRADE, plain words.

Each row is one comparator class of one condition (never a mixed pool), with RoB 2 per trial,
the five GRADE domains and the patient sentence that follows the certainty.

References
----------
Schunemann HJ et al. Cochrane Handbook v6.3, 2022, ch. 14.
Sterne JAC et al. RoB 2. BMJ 2019;366:l4898.
"""

from __future__ import annotations

from typing import Any

from acuneuro.evidence.bias import egger_test
from acuneuro.evidence.comparisons import Comparison, arm_sizes
from acuneuro.evidence.grade import (
    certainty,
    plain_statement,
    rate_imprecision,
    rate_inconsistency,
    rate_indirectness,
    rate_publication_bias,
    rate_risk_of_bias,
    single_trial_ci,
)
from acuneuro.evidence.library import ConditionEvidence
from acuneuro.i18n import N_, pgettext
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import Trial, grade_rules, rob2_records

__all__ = ["CERTAINTY_WORDS", "DOMAIN_WORDS", "ROB_WORDS", "rob_table", "summary_of_findings"]

CERTAINTY_WORDS = {"high": N_("High"), "moderate": N_("Moderate"), "low": N_("Low"),
                   "very_low": N_("Very low")}
DOMAIN_WORDS = {"risk_of_bias": N_("Risk of bias"), "inconsistency": N_("Inconsistency"),
                "indirectness": N_("Indirectness"), "imprecision": N_("Imprecision"),
                "publication_bias": N_("Publication bias")}
ROB_WORDS = {"low": "Low", "some_concerns": "Some concerns", "high": "High"}
_ROB_DOMAIN_WORDS = {"randomisation": N_("Randomisation"),
                     "deviations": N_("Deviations from intended interventions"),
                     "missing": N_("Missing outcome data"),
                     "measurement": N_("Measurement of the outcome"),
                     "reporting": N_("Selection of the reported result")}


def _rob_words(judgement: str) -> str:
    # A judgement of risk (masculine in Italian), not a certainty (feminine): own context.
    return {"low": pgettext("risk of bias", "Low"), "some_concerns": _("Some concerns"),
            "high": pgettext("risk of bias", "High")}[judgement]


def _participants(trial: Trial) -> int:
    n1, n2 = arm_sizes(trial)
    return n1 + n2 if n1 is not None and n2 is not None else trial.n_randomised


def _row(cmp: Comparison) -> dict[str, Any]:
    rules = grade_rules()
    rob = rob2_records()
    if cmp.result is not None:
        res = cmp.result
        weights: list[float] = list(res.weights)
        estimate, ci, i2 = res.estimate, res.ci, res.I2
    else:
        weights = [100.0]
        estimate, ci, i2 = cmp.yi[0], single_trial_ci(cmp.yi[0], cmp.vi[0]), None
    overall = [rob[t.id].overall if t.id in rob else None for t in cmp.trials]
    indirect = [rob[t.id].indirect if t.id in rob else None for t in cmp.trials]
    egger_p = None
    if cmp.k >= rules.egger_min_k and cmp.result is not None:
        egger_p = egger_test(cmp.yi, cmp.vi, method=cmp.result.method,
                             test=cmp.result.test).p
    participants = sum(_participants(t) for t in cmp.trials)
    downs = [
        rate_risk_of_bias(weights, overall, rules),
        rate_inconsistency(cmp.k, i2, rules),
        rate_indirectness(weights, indirect, rules),
        rate_imprecision(ci, participants, rules),
        rate_publication_bias(cmp.k, egger_p, rules),
    ]
    grade = certainty(downs)
    return {
        "comparison": cmp.label,
        "class_id": cmp.class_id,
        "k": cmp.k,
        "trials": list(cmp.labels),
        "participants": participants,
        "estimate": estimate,
        "ci": list(ci),
        "mid": rules.mid,
        "certainty": grade,
        "certainty_label": _(CERTAINTY_WORDS[grade]),
        "downgrades": [
            {"domain": d.domain, "label": _(DOMAIN_WORDS[d.domain]), "levels": d.levels,
             "reason": d.reason} for d in downs
        ],
        "statement": plain_statement(grade, estimate, cmp.label.lower(), rules),
    }


def summary_of_findings(ev: ConditionEvidence) -> list[dict[str, Any]]:
    """One row per comparison that has at least one trial with readable pain data."""
    return [_row(cmp) for cmp in ev.comparisons if cmp.k >= 1]


def rob_table(ev: ConditionEvidence) -> list[dict[str, Any]]:
    """RoB 2 per plotted trial: each domain's judgement and support, the overall judgement."""
    rob = rob2_records()
    out: list[dict[str, Any]] = []
    for cmp in ev.comparisons:
        for trial, label in zip(cmp.trials, cmp.labels, strict=True):
            rec = rob.get(trial.id)
            if rec is None:
                out.append({"trial": trial.id, "label": label, "assessed": False})
                continue
            out.append({
                "trial": trial.id, "label": label, "assessed": True, "outcome": rec.outcome,
                "domains": [{"domain": name, "label": _(_ROB_DOMAIN_WORDS[name]),
                             "judgement": d.judgement, "words": _rob_words(d.judgement),
                             "support": _(d.support)} for name, d in rec.domains.items()],
                "overall": rec.overall, "overall_words": _rob_words(rec.overall),
                "indirect": _(rec.indirect) if rec.indirect else None,
                "sources": list(rec.sources),
            })
    return out
