"""The evidence library as documents: what the web pages, the API and the PDF report show.

Pure functions over :mod:`acuneuro.evidence.library` and ``knowledge/``: each returns plain
JSON-ready data (or figure text/bytes) so every front end says the same thing. Pain results
are mean differences on a 0-10 scale, acupuncture minus control (negative favours
acupuncture); responder counts are a different outcome and get their own, unpooled figure.

References
----------
Deeks JJ, Higgins JPT, Altman DG. Analysing data and undertaking meta-analyses. Cochrane
Handbook for Systematic Reviews of Interventions, version 6.3, 2022, ch. 10.10.2 (the rough
guide to reading I²) and 10.10.4.3 (the prediction interval as the range of true effects
in a new setting).
Riley RD, Higgins JPT, Deeks JJ. Interpretation of random effects meta-analyses. BMJ
2011;342:d549.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from scipy import stats

from acuneuro.evidence._effects import binary_effects
from acuneuro.evidence._figure import Format
from acuneuro.evidence.comparisons import Comparison, class_of, study_label
from acuneuro.evidence.figures import forest_figure, funnel_figure
from acuneuro.evidence.library import (
    ConditionEvidence,
    condition_evidence,
    trial_effect,
    trials_for_protocol,
)
from acuneuro.evidence.meta import MetaResult
from acuneuro.evidence.plots import studies_plot
from acuneuro.evidence.sof import rob_table, summary_of_findings
from acuneuro.i18n import N_, format_number
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import (
    EVIDENCE_CONDITIONS,
    EventsData,
    Guideline,
    Trial,
    bibliography,
    comparator_label,
    patient_info,
)

__all__ = [
    "MIN_TRIALS",
    "condition_document",
    "conditions",
    "evidence_links",
    "evidence_statements",
    "forest_figure",
    "funnel_figure",
    "patient_information",
    "plain_reading",
    "responder_figure",
    "sources_of",
]

# The acceptance bar for "a forest plot worth showing": fewer trials are said so in words.
MIN_TRIALS = 3
_Z = float(stats.norm.isf(0.025))
# How a trial's numbers were read (knowledge Status): in the publication, in a report of it.
_STATUS_WORDS = {"verified": N_("verified"), "secondary": N_("secondary"),
                 "unverified": N_("unverified")}


def sources_of(ids: list[str]) -> list[dict[str, str | None]]:
    """Citation, DOI (and its link), PMID and URL of each source id, in order."""
    known = bibliography()
    out: list[dict[str, str | None]] = []
    for sid in ids:
        src = known[sid]
        out.append({
            "id": sid,
            "citation": src.citation,
            "doi": src.doi,
            "doi_url": f"https://doi.org/{src.doi}" if src.doi else None,
            "pmid": src.pmid,
            "url": src.url,
        })
    return out


def _i2_words(i2: float) -> str:
    # Cochrane Handbook 10.10.2: overlapping bands, read with the CI of I².
    if i2 < 40:
        return _("might not be important")
    if i2 < 60:
        return _("may represent moderate heterogeneity")
    if i2 < 75:
        return _("may represent substantial heterogeneity")
    return _("represents considerable heterogeneity")


def _num(value: float, spec: str = ".2f") -> str:
    return format_number(value, spec)


def plain_reading(res: MetaResult) -> list[str]:
    """The pooled pain difference in sentences a clinician reads (negative favours acupuncture)."""
    est, (lo, hi), (p_lo, p_hi) = res.estimate, res.ci, res.pi
    first = (_("Across %(k)s trials, pain was on average %(d)s points lower with acupuncture "
               "than with the comparators, on a 0-10 scale (95%% confidence interval %(lo)s to "
               "%(hi)s).") if est < 0 else
             _("Across %(k)s trials, pain was on average %(d)s points higher with acupuncture "
               "than with the comparators, on a 0-10 scale (95%% confidence interval %(lo)s to "
               "%(hi)s)."))
    lines = [first % {"k": res.k, "d": _num(abs(est)), "lo": _num(lo), "hi": _num(hi)}]
    if lo <= 0 <= hi:
        lines.append(_("The confidence interval includes no difference: these trials do not "
                       "show a reliable effect on pain."))
    else:
        lines.append(_("The confidence interval excludes no difference, but small unblinded "
                       "trials overstate effects; read the trials one by one."))
    lines.append(_(
        "Prediction interval %(lo)s to %(hi)s: where the true effect in a new clinic like these "
        "could plausibly lie, allowing for the differences between trials."
    ) % {"lo": _num(p_lo), "hi": _num(p_hi)})
    tau = math.sqrt(max(res.tau2, 0.0))
    lines.append(_(
        "tau² = %(tau2)s (true effects vary between trials with a standard deviation of about "
        "%(tau)s points); I² = %(i2)s%% of the spread is beyond chance, which %(words)s."
    ) % {"tau2": _num(res.tau2, ".3g"), "tau": _num(tau), "i2": _num(res.I2, ".0f"),
         "words": _i2_words(res.I2)})
    if res.k < 5:
        lines.append(_("With only %(k)s trials, tau² and I² are very imprecise.") % {"k": res.k})
    return lines


def _effect(trial: Trial) -> dict[str, Any] | None:
    if trial.poolable:
        yi, vi = trial_effect(trial)
        se = math.sqrt(vi)
        return {"measure": "MD", "scale": "0-10", "estimate": yi,
                "ci": [yi - _Z * se, yi + _Z * se]}
    data = trial.data
    if isinstance(data, EventsData):
        eff = binary_effects("RR", data.events1, data.n1, data.events2, data.n2)
        y, se = float(eff.yi[0]), math.sqrt(float(eff.vi[0]))
        return {"measure": "RR", "scale": "responders", "estimate": math.exp(y),
                "ci": [math.exp(y - _Z * se), math.exp(y + _Z * se)]}
    return None


def _trial(trial: Trial, pooled: bool, excluded: str | None) -> dict[str, Any]:
    return {
        "id": trial.id,
        "label": study_label(trial),
        "design": _(trial.design),
        "comparator": trial.comparator,
        "comparator_label": _(comparator_label(trial.comparator)),
        "comparator_class": _(class_of(trial.comparator).label),
        "n_randomised": trial.n_randomised,
        "intervention": _(trial.intervention),
        "points": list(trial.points),
        "outcome": {**trial.outcome.model_dump(), "name": _(trial.outcome.name)},
        "data": trial.data.model_dump() if trial.data is not None else None,
        "status": trial.status,
        "status_words": _(_STATUS_WORDS.get(trial.status, trial.status)),
        "effect": _effect(trial),
        "in_pain_plot": pooled,
        "excluded_because": _(excluded) if excluded else None,
        "to_read": _(trial.to_read) if trial.data is None and trial.to_read else None,
        "note": _(trial.note) if trial.note else None,
        "sources": sources_of(list(trial.sources)),
    }


def _guideline(g: Guideline) -> dict[str, Any]:
    return {
        "id": g.id, "body": _(g.body), "statement": _(g.statement), "grade": _(g.grade),
        "meaning": _(g.meaning), "correction": _(g.correction) if g.correction else None,
        "status": g.status,
        "sources": sources_of(list(g.sources)),
    }


def _comparison(condition: str, cmp: Comparison) -> dict[str, Any]:
    pooled = None
    if cmp.result is not None:
        reading = plain_reading(cmp.result)
        if cmp.sensitivity:
            reading.append(_("Sensitivity analysis: this pool mixes comparator classes, so it "
                             "is not an effect against any one kind of control."))
        pooled = {**cmp.result.summary(), "reading": reading}
    return {
        "key": cmp.class_id, "label": cmp.label, "sensitivity": cmp.sensitivity, "k": cmp.k,
        "trials": [t.id for t in cmp.trials], "labels": list(cmp.labels), "pooled": pooled,
        "not_pooled_because": cmp.not_pooled_because,
        "forest": f"/evidence/{condition}/forest/{cmp.class_id}",
        "funnel": f"/evidence/{condition}/funnel/{cmp.class_id}" if pooled else None,
    }


def _plotted_note(ev: ConditionEvidence) -> str | None:
    plotted = len(ev.pooled_ids)
    if plotted >= MIN_TRIALS:
        return None
    return _(
        "Only %(n)d trial(s) report pain data we could read and use for this plot "
        "(fewer than %(min)d); the other trials are listed with the reason they are "
        "left out. Do not read this plot as a body of evidence."
    ) % {"n": plotted, "min": MIN_TRIALS}


def condition_document(
    condition: str,
    *,
    method: str = "REML",
    test: str = "knha",
    library: Sequence[Trial] | None = None,
) -> dict[str, Any]:
    """Trials, one pooled pain difference per comparator class, GRADE, RoB 2, guidelines.

    ``comparisons`` never mix comparator classes; ``sensitivity`` (or None) is the mixed pool,
    labelled as a sensitivity analysis.
    """
    ev = condition_evidence(condition, method=method, test=test, library=library)
    return {
        "condition": ev.condition,
        "title": ev.title,
        "outcome": _("Pain, mean difference on a 0-10 scale (acupuncture minus control)"),
        "plotted": list(ev.pooled_ids),
        "plotted_note": _plotted_note(ev),
        "comparisons": [_comparison(condition, c) for c in ev.comparisons],
        "sensitivity": _comparison(condition, ev.sensitivity) if ev.sensitivity else None,
        "sof": summary_of_findings(ev),
        "rob": rob_table(ev),
        "trials": [
            _trial(t, t.id in ev.pooled_ids, ev.excluded.get(t.id)) for t in ev.trials
        ],
        "reviews": [
            {**r.model_dump(exclude={"sources"}), "label": _(r.label), "scope": _(r.scope),
             "sources": sources_of(list(r.sources))}
            for r in ev.reviews
        ],
        "guidelines": [_guideline(g) for g in ev.guidelines],
    }


def conditions(*, library: Sequence[Trial] | None = None) -> list[dict[str, Any]]:
    """Each condition with its title, number of trials and number in the pain plot."""
    out = []
    for condition in EVIDENCE_CONDITIONS:
        ev = condition_evidence(condition, library=library)
        out.append({"condition": condition, "title": ev.title, "trials": len(ev.trials),
                    "plotted": len(ev.pooled_ids)})
    return out


def _responders(condition: str) -> list[Trial]:
    ev = condition_evidence(condition)
    return [t for t in ev.trials if isinstance(t.data, EventsData)]


def responder_figure(condition: str, fmt: Format = "svg") -> str | bytes | None:
    """Responder counts as log risk ratios, one row per trial, never pooled (outcomes differ)."""
    found = _responders(condition)
    if not found:
        return None
    labels, yi, vi = [], [], []
    for t in found:
        data = t.data
        if not isinstance(data, EventsData):  # narrowed above; keeps mypy honest
            continue
        eff = binary_effects("RR", data.events1, data.n1, data.events2, data.n2)
        labels.append(f"{study_label(t)} ({_(comparator_label(t.comparator)).lower()})")
        yi.append(float(eff.yi[0]))
        vi.append(float(eff.vi[0]))
    return studies_plot(
        labels, yi, vi,
        measure=_("log risk ratio of responding (0 = no difference)"),
        title=_("Responders: each trial's own definition, not pooled"),
        note=_("Log scale: 0.69 is a doubled chance of responding."),
        favours=(_("favours control"), _("favours acupuncture")),
        fmt=fmt,
    )


def evidence_links(protocol_id: str) -> list[dict[str, Any]]:
    """The trials behind a protocol, for a link list: id, design, page anchor and sources.

    ``protocol_id`` is the protocol's condition (dpn, phn, cipn, sci, ms, other); conditions
    without an evidence page give an empty list.
    """
    out: list[dict[str, Any]] = []
    for t in trials_for_protocol(protocol_id):
        out.append({
            "id": t.id,
            "condition": t.condition,
            "design": _(t.design),
            "comparator": t.comparator,
            "n_randomised": t.n_randomised,
            "href": f"/evidence/{t.condition}#trial-{t.id}",
            "sources": sources_of(list(t.sources)),
        })
    return out


def patient_information(condition: str) -> dict[str, Any]:
    """Plain-language patient information for a condition, each paragraph with its sources.

    Keys: condition, title, sections (id, heading, text, sources), faq (question, answer,
    sources), corrections (claim, correction, sources). Sources are resolved to citations.
    """
    info = patient_info(condition)
    return {
        "condition": info.condition,
        "title": _(info.title),
        "sections": [{**s.model_dump(exclude={"sources"}), "heading": _(s.heading),
                      "text": _(s.text), "sources": sources_of(s.sources)}
                     for s in info.sections],
        "faq": [{**a.model_dump(exclude={"sources"}), "question": _(a.question),
                 "answer": _(a.answer), "sources": sources_of(a.sources)} for a in info.faq],
        "corrections": [{**c.model_dump(exclude={"sources"}), "claim": _(c.claim),
                         "correction": _(c.correction), "sources": sources_of(c.sources)}
                        for c in info.corrections],
    }


def evidence_statements(condition: str) -> list[dict[str, str]]:
    """Short cited statements for a report: pooled reading, plotted trials, guideline grades.

    Each item is ``{"statement", "citation"}`` (the shape of ``reports.EvidenceItem``); the
    first source of a trial or guideline is its citation.
    """
    doc = condition_document(condition)
    out: list[dict[str, str]] = []
    for row in doc["sof"]:
        out.append({
            "statement": _("%(statement)s Certainty of the evidence: %(certainty)s (GRADE); "
                           "%(k)d trial(s), %(n)d participants; difference %(est)s (95%% CI "
                           "%(lo)s to %(hi)s) on a 0-10 scale.") % {
                "statement": row["statement"], "certainty": row["certainty_label"].lower(),
                "k": row["k"], "n": row["participants"], "est": _num(row["estimate"]),
                "lo": _num(row["ci"][0]), "hi": _num(row["ci"][1])},
            "citation": _("acuneuro summary of findings from: %(trials)s") % {
                "trials": "; ".join(row["trials"])},
        })
    if not doc["sof"] and doc["plotted_note"]:
        out.append({"statement": doc["plotted_note"],
                    "citation": _("acuneuro evidence library")})
    for g in doc["guidelines"]:
        text = _("%(body)s: %(statement)s Grade: %(grade)s (%(meaning)s)") % {
            "body": g["body"], "statement": g["statement"], "grade": g["grade"],
            "meaning": g["meaning"]}
        if g["correction"]:
            text += " " + _("Correction: %(correction)s") % {"correction": g["correction"]}
        out.append({"statement": text, "citation": g["sources"][0]["citation"]})
    return out
