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
from acuneuro.i18n import format_date, format_decimal
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
        latest = (f"{number(o.latest.value)} ({format_date(o.latest.on, 'medium')})"
                  if o.latest else _("none yet"))
        responders = ", ".join(
            _("%(percent)s%% responder: %(answer)s") % {
                "percent": k.removeprefix("responder_"), "answer": _("yes") if v else _("no")}
            for k, v in o.responders.items()
        )
        rows.append(
            [
                _(o.label),
                number(o.baseline.value),
                latest,
                number(o.change) if o.change is not None else _("not computed"),
                percent(o.percent_improvement),
                category_words(o) + (f"; {responders}" if responders else ""),
            ]
        )
    header = [_("Measure"), _("Baseline"), _("Latest"), _("Change"), _("%% better") % {},
              _("IMMPACT category")]
    return table(header, rows, [0.22, 0.1, 0.17, 0.1, 0.1, 0.31])


def _line(drug: str) -> str:
    # Recorded names may be brands or salts ("Lyrica"): the catalogue is keyed by INN.
    match = match_drug(drug)
    entry = drug_knowledge().drug(match.inn if match is not None else drug)
    if entry is None:
        return _("not in catalogue")
    line = entry.neupsig_2015
    return f"{line.line} ({line.strength})" if line else "-"


def _medication_table(s: ReportSummary, with_line: bool = False) -> list[Flowable]:
    rows = []
    for d in s.medication.drugs:
        row = [
            d.drug,
            _("%(dose)s %(unit)s/day") % {"dose": number(d.baseline_dose), "unit": d.unit}
            if d.baseline_dose else "-",
            _("%(dose)s %(unit)s/day") % {"dose": number(d.dose), "unit": d.unit}
            if d.dose else "-",
            dose_words(d),
        ]
        rows.append([*row, _line(d.drug)] if with_line else row)
    m = s.medication
    mme_row = [
        _("Opioids, MME/day (%(table)s)") % {"table": m.mme.table_version},
        number(m.mme_baseline.total),
        number(m.mme.total),
        format_decimal(m.mme_change, 1, fixed=True, signed=True)
        + ("" if m.mme.complete else _(" (incomplete: see below)")),
    ]
    rows.append([*mme_row, ""] if with_line else mme_row)
    header = [_("Medicine"), _("At first session"), _("Now"), _("Change")]
    if with_line:
        return table([*header, _("NeuPSIG 2015 line")], rows, [0.3, 0.17, 0.17, 0.18, 0.18])
    return table(header, rows, [0.34, 0.22, 0.22, 0.22])


def _pgic(data: ReportData, s: ReportSummary) -> list[Flowable]:
    if data.pgic is None:
        return []
    words = _(data.pgic.replace("_", " "))
    meaning = (
        _("a clinically important improvement (Farrar 2001)")
        if s.pgic_improved
        else _("below the much-improved mark used as clinically important (Farrar 2001)")
    )
    return [para(_("Patient's global impression of change: %(words)s, %(meaning)s.")
                 % {"words": words, "meaning": meaning})]


def _foot(s: ReportSummary) -> list[Flowable]:
    if s.foot_risk is None and not s.foot_timeline:
        return []

    def lops(v: bool | None) -> str:
        return _("not tested") if v is None else (_("lost") if v else _("present"))

    parts: list[Flowable] = [heading(_("Feet: protective sensation and ulcer risk"))]
    if s.foot_timeline:
        rows = [[format_date(t.on, "medium"), lops(t.left), lops(t.right)]
                for t in s.foot_timeline]
        header = [_("Date"), _("Left foot sensation"), _("Right foot sensation")]
        parts += table(header, rows, [0.3, 0.35, 0.35])
    r = s.foot_risk
    if r is not None:
        missing = ", ".join(code_label(f, "foot_facts") for f in r.not_assessed)
        if r.category is not None:
            text = _("%(version)s risk category %(category)s (%(risk)s): foot screening "
                     "%(screening)s.") % {"version": r.version, "category": r.category,
                                          "risk": _(r.risk) if r.risk else "",
                                          "screening": _(r.screening) if r.screening else ""}
        elif r.at_least is not None:
            text = _("%(version)s risk category at least %(at_least)s; not assessed: "
                     "%(missing)s.") % {"version": r.version, "at_least": r.at_least,
                                        "missing": missing}
        else:
            text = _("%(version)s risk category not determined; not assessed: %(missing)s.") % {
                "version": r.version, "missing": missing}
        parts.append(para(text))
    if s.foot_referral is not None:
        sides = _(" and ").join(_(side) for side in s.foot_referral.sides)
        parts.append(para(_("Referral (%(sides)s foot): %(message)s")
                          % {"sides": sides, "message": _(s.foot_referral.message)}))
    return parts


def _mme_gaps(s: ReportSummary) -> list[Flowable]:
    m = s.medication
    gaps = sorted(
        set(m.mme.not_convertible + m.mme.unknown_drugs)
        | set(m.mme_baseline.not_convertible + m.mme_baseline.unknown_drugs)
    )
    if not gaps:
        return []
    return [small(_("Not counted in MME (no CDC 2022 factor or unknown drug): %(drugs)s.")
                  % {"drugs": ", ".join(gaps)})]


def _adverse_table(data: ReportData) -> list[Flowable]:
    k = adverse_event_knowledge()
    types = {t.id: t.label for t in k.types}
    actions = {a.id: a.label for a in k.actions}
    rows = [
        [
            format_date(e.on, "medium"),
            e.description or _(types[e.type]),
            f"{e.grade} ({_(grade_definition(e.grade).label)})",
            _(e.relatedness.replace("_", " ")),
            _(actions[e.action]),
            _(e.outcome),
        ]
        for e in data.adverse_events
        if e.on <= data.report_date
    ]
    header = [_("Date"), _("Event"), _("CTCAE grade"), _("Related"), _("Action"), _("Outcome")]
    return table(header, rows, [0.13, 0.27, 0.1, 0.14, 0.18, 0.18])


def _score_chart(data: ReportData, s: ReportSummary, caption: str) -> list[Flowable]:
    if not data.scores:
        return []
    labels = {o.instrument: _(o.label) for o in s.outcomes}
    chart = scores_chart(data.scores, data.sessions, s.outcomes, labels)
    return [chart, small(caption), space()]


def _medication_chart(data: ReportData) -> list[Flowable]:
    if not data.medications:
        return []
    start = min([data.first_session, *(m.start for m in data.medications)])
    chart = medication_chart(data.medications, start, data.report_date)
    return [space(), chart, small(_("Daily dose of each medicine, and opioid MME/day."))]


def _sessions_line(s: ReportSummary) -> str:
    a = s.adherence
    rate = percent(None if a.rate is None else a.rate * 100)
    return _("Sessions delivered: %(attended)s of %(planned)s due so far, %(course)s in the "
             "course (missed %(missed)s, cancelled %(cancelled)s, not yet recorded "
             "%(not_recorded)s; adherence %(rate)s).") % {
        "attended": a.attended, "planned": a.planned, "course": len(s.planned),
        "missed": a.missed, "cancelled": a.cancelled, "not_recorded": a.not_recorded,
        "rate": rate}


def progress_report_pdf(data: ReportData, out: Path | None = None) -> bytes:
    """The patient's progress report in plain words; written to ``out`` when given."""
    s = summarise_report(data)
    story: list[Flowable] = [
        heading(_("Your acupuncture progress report"), 1),
        para(f"{data.patient.name} - {data.clinic} - {format_date(data.report_date)}"),
        heading(_("What we are treating")),
        para(data.diagnosis),
        heading(_("Your treatment so far")),
        para(_sessions_line(s)),
        heading(_("How you are doing")),
        *[para(outcome_sentence(o)) for o in s.outcomes],
        *_pgic(data, s),
        space(),
        *_outcome_table(s),
        space(),
        *_score_chart(data, s, _("Grey lines mark the sessions you attended.")),
        heading(_("Your medicines")),
        para(
            _("Acupuncture is given alongside your medicines, not instead of them. Please change "
              "a medicine only with your doctor.")
        ),
        *_medication_table(s),
        *_mme_gaps(s),
        *_medication_chart(data),
        *_foot(s),
        heading(_("Side effects recorded")),
        para(
            _("%(events)s side effect(s) recorded over %(sessions)s sessions.")
            % {"events": s.adverse_events.events, "sessions": s.adverse_events.sessions}
        )
        if data.adverse_events
        else para(_("No side effects were recorded.")),
    ]
    if data.adverse_events:
        story += _adverse_table(data)
    story += [space(), small(_method_note(s))]
    return _write(build_pdf(story, _("Progress report"), data.clinician), out)


def _method_note(s: ReportSummary) -> str:
    rules = {_(o.baseline.label) for o in s.outcomes}
    return _(
        "How these numbers are worked out: baseline = %(rules)s. Percent better = (baseline - "
        "latest) / baseline. IMMPACT categories: 15%% or more minimal, 30%% or more moderate, "
        "50%% or more substantial (Dworkin 2008; Farrar 2001; Sadosky 2016); BPI interference: "
        "a fall of 1 point or more is clinically important (Dworkin 2008). Any rise from "
        "baseline is reported as worse (acuneuro design choice, needs clinical sign-off: "
        "IMMPACT sets no worsening threshold). MME = daily opioid dose x CDC 2022 factor; it "
        "measures dose burden and is never used to switch one opioid for another."
    ) % {"rules": "; ".join(sorted(rules))}


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
    doctor = data.referring_doctor or _("Colleague")
    patient = data.patient
    about = ", ".join(
        x for x in [patient.name,
                    _("%(age)s years") % {"age": patient.age} if patient.age else None,
                    _(patient.sex) if patient.sex else None] if x
    )
    c = data.course
    points = sorted({p.code for r in data.sessions for p in r.points})
    story: list[Flowable] = [
        para(f"{data.clinic}, {format_date(data.report_date)}"),
        space(),
        *_address_block(data),
        para(_("Dear %(doctor)s,") % {"doctor": doctor}),
        para(_("Re: %(about)s") % {"about": about}
             + (f" ({patient.identifier})" if patient.identifier else "")),
        heading(_("Diagnosis")),
        para(
            _("%(diagnosis)s. NeuPSIG grade: %(grade)s (Finnerup 2016 grading system).") % {
                "diagnosis": data.diagnosis,
                "grade": _(data.neupsig_grade) if data.neupsig_grade else _("not assessed")}
        ),
        *_neupsig(data),
        heading(_("Plan")),
        para(data.plan_summary),
        para(
            _("Course: %(per_week)s session(s) a week, %(planned)s sessions planned, from "
              "%(first)s. Points used: %(points)s.") % {
                "per_week": c.sessions_per_week, "planned": c.planned_sessions,
                "first": format_date(data.first_session),
                "points": ", ".join(points) or _("none")}
        ),
        heading(_("Sessions delivered")),
        para(_sessions_line(s)),
        heading(_("Outcomes")),
        *_outcome_table(s),
        *_pgic(data, s),
        space(),
        *_score_chart(data, s, _("Grey lines mark attended sessions; dashed: pain baseline.")),
        heading(_("Medication")),
        *_medication_table(s, with_line=True),
        *_mme_gaps(s),
        *_medication_chart(data),
        para(_("Overall medication change since the first session: %(overall)s.")
             % {"overall": _(s.medication.overall)}),
        *[para(_("Caution: %(message)s") % {"message": c.shown()}) for c in s.cautions],
        *_foot(s),
        heading(_("Adverse events")),
    ]
    rate = s.adverse_events
    if data.adverse_events:
        per = number(rate.per_1000)
        story += [
            para(_("%(events)s event(s) in %(sessions)s sessions (%(per)s per 1,000 sessions).")
                 % {"events": rate.events, "sessions": rate.sessions, "per": per}),
            *_adverse_table(data),
        ]
    else:
        story.append(para(_("No adverse events were recorded.")))
    story.append(heading(_("Evidence behind the treatment")))
    if data.evidence:
        story += [para(f"{e.statement} ({e.citation})") for e in data.evidence]
    else:
        story.append(para(_("No evidence summary was attached to this plan.")))
    story += [
        space(),
        para(_("Yours sincerely,")),
        para(data.clinician),
        space(),
        small(_method_note(s)),
    ]
    return _write(build_pdf(story, _("Letter to the referring doctor"), data.clinician), out)
