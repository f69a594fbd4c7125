"""PDF reports from a ``ReportData``: a progress report for the patient, a letter to the doctor.

Both print only what ``summarise_report`` computed with the clinical core: adherence, outcomes
with their IMMPACT category (Dworkin et al., J Pain 2008; Farrar et al., Pain 2001), medication
change with daily MME (CDC 2022), and adverse events graded by CTCAE v5.0. Acupuncture is
presented as part of the medical plan: the report never suggests changing a medicine on its own.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Flowable

from acuneuro.clinical.adverse_events import grade_definition
from acuneuro.clinical.drug_names import match_drug
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import code_label
from acuneuro.knowledge.course import adverse_event_knowledge, drug_knowledge
from acuneuro.reports._model import ReportData, ReportSummary, summarise_report
from acuneuro.reports._pdfkit import build_pdf, heading, para, small, space, table
from acuneuro.reports._wording import (
    category_words,
    dose_words,
    number,
    outcome_sentence,
    percent,
)
from acuneuro.reports.charts import medication_chart, scores_chart

__all__ = ["progress_report_pdf", "referral_letter_pdf"]


def _write(pdf: bytes, out: Path | None) -> bytes:
    if out is not None:
        out.write_bytes(pdf)
    return pdf


def _outcome_table(s: ReportSummary) -> list[Flowable]:
    rows = []
    for o in s.outcomes:
        latest = f"{number(o.latest.value)} ({o.latest.on.isoformat()})" if o.latest else "none yet"
        responders = ", ".join(
            f"{k.removeprefix('responder_')}% responder: {'yes' if v else 'no'}"
            for k, v in o.responders.items()
        )
        rows.append(
            [
                o.label,
                number(o.baseline.value),
                latest,
                number(o.change) if o.change is not None else "not computed",
                percent(o.percent_improvement),
                category_words(o) + (f"; {responders}" if responders else ""),
            ]
        )
    header = ["Measure", "Baseline", "Latest", "Change", "% better", "IMMPACT category"]
    return table(header, rows, [0.22, 0.1, 0.17, 0.1, 0.1, 0.31])


def _line(drug: str) -> str:
    # Recorded names may be brands or salts ("Lyrica"): the catalogue is keyed by INN.
    match = match_drug(drug)
    entry = drug_knowledge().drug(match.inn if match is not None else drug)
    if entry is None:
        return "not in catalogue"
    line = entry.neupsig_2015
    return f"{line.line} ({line.strength})" if line else "-"


def _medication_table(s: ReportSummary, with_line: bool = False) -> list[Flowable]:
    rows = []
    for d in s.medication.drugs:
        row = [
            d.drug,
            f"{d.baseline_dose:g} {d.unit}/day" if d.baseline_dose else "-",
            f"{d.dose:g} {d.unit}/day" if d.dose else "-",
            dose_words(d),
        ]
        rows.append([*row, _line(d.drug)] if with_line else row)
    m = s.medication
    mme_row = [
        f"Opioids, MME/day ({m.mme.table_version})",
        number(m.mme_baseline.total),
        number(m.mme.total),
        f"{m.mme_change:+.1f}" + ("" if m.mme.complete else " (incomplete: see below)"),
    ]
    rows.append([*mme_row, ""] if with_line else mme_row)
    header = ["Medicine", "At first session", "Now", "Change"]
    if with_line:
        return table([*header, "NeuPSIG 2015 line"], rows, [0.3, 0.17, 0.17, 0.18, 0.18])
    return table(header, rows, [0.34, 0.22, 0.22, 0.22])


def _pgic(data: ReportData, s: ReportSummary) -> list[Flowable]:
    if data.pgic is None:
        return []
    words = data.pgic.replace("_", " ")
    meaning = (
        "a clinically important improvement (Farrar 2001)"
        if s.pgic_improved
        else "below the much-improved mark used as clinically important (Farrar 2001)"
    )
    return [para(f"Patient's global impression of change: {words}, {meaning}.")]


def _foot(s: ReportSummary) -> list[Flowable]:
    if s.foot_risk is None and not s.foot_timeline:
        return []

    def lops(v: bool | None) -> str:
        return "not tested" if v is None else ("lost" if v else "present")

    parts: list[Flowable] = [heading("Feet: protective sensation and ulcer risk")]
    if s.foot_timeline:
        rows = [[t.on.isoformat(), lops(t.left), lops(t.right)] for t in s.foot_timeline]
        header = ["Date", "Left foot sensation", "Right foot sensation"]
        parts += table(header, rows, [0.3, 0.35, 0.35])
    r = s.foot_risk
    if r is not None:
        missing = ", ".join(code_label(f, "foot_facts") for f in r.not_assessed)
        if r.category is not None:
            text = (
                f"{r.version} risk category {r.category} ({r.risk}): foot screening {r.screening}."
            )
        elif r.at_least is not None:
            text = f"{r.version} risk category at least {r.at_least}"
            text += f"; not assessed: {missing}."
        else:
            text = f"{r.version} risk category not determined; not assessed: {missing}."
        parts.append(para(text))
    if s.foot_referral is not None:
        sides = " and ".join(s.foot_referral.sides)
        parts.append(para(f"Referral ({sides} foot): {s.foot_referral.message}"))
    return parts


def _mme_gaps(s: ReportSummary) -> list[Flowable]:
    m = s.medication
    gaps = sorted(
        set(m.mme.not_convertible + m.mme.unknown_drugs)
        | set(m.mme_baseline.not_convertible + m.mme_baseline.unknown_drugs)
    )
    if not gaps:
        return []
    return [small(f"Not counted in MME (no CDC 2022 factor or unknown drug): {', '.join(gaps)}.")]


def _adverse_table(data: ReportData) -> list[Flowable]:
    k = adverse_event_knowledge()
    types = {t.id: t.label for t in k.types}
    actions = {a.id: a.label for a in k.actions}
    rows = [
        [
            e.on.isoformat(),
            e.description or types[e.type],
            f"{e.grade} ({grade_definition(e.grade).label})",
            e.relatedness.replace("_", " "),
            actions[e.action],
            e.outcome,
        ]
        for e in data.adverse_events
        if e.on <= data.report_date
    ]
    header = ["Date", "Event", "CTCAE grade", "Related", "Action", "Outcome"]
    return table(header, rows, [0.13, 0.27, 0.1, 0.14, 0.18, 0.18])


def _score_chart(data: ReportData, s: ReportSummary, caption: str) -> list[Flowable]:
    if not data.scores:
        return []
    labels = {o.instrument: o.label for o in s.outcomes}
    chart = scores_chart(data.scores, data.sessions, s.outcomes, labels)
    return [chart, small(caption), space()]


def _medication_chart(data: ReportData) -> list[Flowable]:
    if not data.medications:
        return []
    start = min([data.first_session, *(m.start for m in data.medications)])
    chart = medication_chart(data.medications, start, data.report_date)
    return [space(), chart, small("Daily dose of each medicine, and opioid MME/day.")]


def _sessions_line(s: ReportSummary) -> str:
    a = s.adherence
    rate = percent(None if a.rate is None else a.rate * 100)
    return (
        f"Sessions delivered: {a.attended} of {a.planned} due so far, {len(s.planned)} in the"
        f" course (missed {a.missed}, cancelled {a.cancelled}, not yet recorded"
        f" {a.not_recorded}; adherence {rate})."
    )


def progress_report_pdf(data: ReportData, out: Path | None = None) -> bytes:
    """The patient's progress report in plain words; written to ``out`` when given."""
    s = summarise_report(data)
    story: list[Flowable] = [
        heading("Your acupuncture progress report", 1),
        para(f"{data.patient.name} - {data.clinic} - {data.report_date:%d %B %Y}"),
        heading("What we are treating"),
        para(data.diagnosis),
        heading("Your treatment so far"),
        para(_sessions_line(s)),
        heading("How you are doing"),
        *[para(outcome_sentence(o)) for o in s.outcomes],
        *_pgic(data, s),
        space(),
        *_outcome_table(s),
        space(),
        *_score_chart(data, s, "Grey lines mark the sessions you attended."),
        heading("Your medicines"),
        para(
            "Acupuncture is given alongside your medicines, not instead of them. Please change a "
            "medicine only with your doctor."
        ),
        *_medication_table(s),
        *_mme_gaps(s),
        *_medication_chart(data),
        *_foot(s),
        heading("Side effects recorded"),
        para(
            f"{s.adverse_events.events} side effect(s) recorded over"
            f" {s.adverse_events.sessions} sessions."
        )
        if data.adverse_events
        else para("No side effects were recorded."),
    ]
    if data.adverse_events:
        story += _adverse_table(data)
    story += [space(), small(_method_note(s))]
    return _write(build_pdf(story, "Progress report", data.clinician), out)


def _method_note(s: ReportSummary) -> str:
    rules = {o.baseline.label for o in s.outcomes}
    return (
        "How these numbers are worked out: baseline = "
        + "; ".join(sorted(rules))
        + ". Percent better = (baseline - latest) / baseline. IMMPACT categories: 15% or more"
        " minimal, 30% or more moderate, 50% or more substantial (Dworkin 2008; Farrar 2001;"
        " Sadosky 2016); BPI interference: a fall of 1 point or more is clinically important"
        " (Dworkin 2008). Any rise from baseline is reported as worse (acuneuro design choice,"
        " needs clinical sign-off: IMMPACT sets no worsening threshold). MME = daily opioid"
        " dose x CDC 2022 factor; it measures dose burden and is never used to switch one"
        " opioid for another."
    )


def _address_block(data: ReportData) -> list[Flowable]:
    """The addressee from the clinic's directory: name, practice, postal address."""
    if not data.referrer_practice and not data.referrer_address:
        return []
    lines = [data.referring_doctor or "", data.referrer_practice or "", *data.referrer_address]
    return [*[para(line) for line in lines if line], space()]


def _neupsig(data: ReportData) -> list[Flowable]:
    """Why the grade is what it is, the screening scores and the plan's safety findings."""
    story: list[Flowable] = [small(r) for r in data.neupsig_reasons]
    story.append(para(_("Screening questionnaires (newest of each): %(lines)s.") % {
        "lines": "; ".join(data.screening) or _("none recorded")}))
    story.append(para(_("Safety findings of the current plan: %(lines)s") % {
        "lines": " ".join(data.safety_findings) or _("none.")}))
    return story


def referral_letter_pdf(data: ReportData, out: Path | None = None) -> bytes:
    """A letter to the referring doctor; written to ``out`` when given."""
    s = summarise_report(data)
    doctor = data.referring_doctor or "Colleague"
    patient = data.patient
    about = ", ".join(
        x for x in [patient.name, f"{patient.age} years" if patient.age else None, patient.sex] if x
    )
    c = data.course
    points = sorted({p.code for r in data.sessions for p in r.points})
    story: list[Flowable] = [
        para(f"{data.clinic}, {data.report_date:%d %B %Y}"),
        space(),
        *_address_block(data),
        para(f"Dear {doctor},"),
        para(f"Re: {about}" + (f" ({patient.identifier})" if patient.identifier else "")),
        heading("Diagnosis"),
        para(
            f"{data.diagnosis}. NeuPSIG grade: {data.neupsig_grade or 'not assessed'}"
            " (Finnerup 2016 grading system)."
        ),
        *_neupsig(data),
        heading("Plan"),
        para(data.plan_summary),
        para(
            f"Course: {c.sessions_per_week} session(s) a week,"
            f" {c.planned_sessions} sessions planned, from {data.first_session:%d %B %Y}."
            f" Points used: {', '.join(points) or 'none'}."
        ),
        heading("Sessions delivered"),
        para(_sessions_line(s)),
        heading("Outcomes"),
        *_outcome_table(s),
        *_pgic(data, s),
        space(),
        *_score_chart(data, s, "Grey lines mark attended sessions; dashed: pain baseline."),
        heading("Medication"),
        *_medication_table(s, with_line=True),
        *_mme_gaps(s),
        *_medication_chart(data),
        para(f"Overall medication change since the first session: {s.medication.overall}."),
        *[para(f"Caution: {c.message}") for c in s.cautions],
        *_foot(s),
        heading("Adverse events"),
    ]
    rate = s.adverse_events
    if data.adverse_events:
        per = number(rate.per_1000)
        story += [
            para(f"{rate.events} event(s) in {rate.sessions} sessions ({per} per 1,000 sessions)."),
            *_adverse_table(data),
        ]
    else:
        story.append(para("No adverse events were recorded."))
    story.append(heading("Evidence behind the treatment"))
    if data.evidence:
        story += [para(f"{e.statement} ({e.citation})") for e in data.evidence]
    else:
        story.append(para("No evidence summary was attached to this plan."))
    story += [
        space(),
        para("Yours sincerely,"),
        para(data.clinician),
        space(),
        small(_method_note(s)),
    ]
    return _write(build_pdf(story, "Letter to the referring doctor", data.clinician), out)
