"""A refused role in the reader's words: "A researcher cannot open patient records."

The role and the use case are codes (``researcher``, ``patient.record``); a person reads their
words instead, in the language of the request or command (the sentence is translated when the
refusal is raised, inside the caller's ``use_locale``). Both tables are complete: a test checks
every role and every use case has its words, so no code reaches a page.
"""

from __future__ import annotations

from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.services._errors import PermissionDenied
from acuneuro.services._policy import UseCase
from acuneuro.store import Role

__all__ = [
    "ROLE_WORDS",
    "USE_CASE_WORDS",
    "not_found_sentence",
    "plan_status_word",
    "role_refused",
    "role_refused_for",
]

# Who, as the subject of the sentence (the article agrees with the noun in each language).
ROLE_WORDS: dict[Role, str] = {
    Role.CLINICIAN: N_("A clinician"),
    Role.ADMIN: N_("An administrator"),
    Role.RESEARCHER: N_("A researcher"),
}

# What was asked, as the verb phrase after "cannot".
USE_CASE_WORDS: dict[UseCase, str] = {
    UseCase.PATIENT_RECORD: N_("open patient records"),
    UseCase.PATIENT_EXPORT: N_("export a patient's records"),
    UseCase.PATIENT_ERASE: N_("erase a patient"),
    UseCase.SCORE_READ: N_("see patients' scores"),
    UseCase.SCORE_WRITE: N_("record patients' scores"),
    UseCase.PLAN_READ: N_("see treatment plans"),
    UseCase.PLAN_WRITE: N_("write or change treatment plans"),
    UseCase.COURSE_READ: N_("see the course of treatment"),
    UseCase.COURSE_WRITE: N_("record sessions, medication or adverse events"),
    UseCase.CLINICAL_TOOLS: N_("use the clinical tools"),
    UseCase.RESEARCH_EXPORT: N_("export research data"),
    UseCase.COHORT_ANALYTICS: N_("see cohort analytics"),
    UseCase.AUDIT_READ: N_("read the audit trail"),
    UseCase.OWN_ACCOUNT: N_("change this account"),
    UseCase.ACCOUNT_ADMIN: N_("manage the clinic's accounts"),
    UseCase.APPOINTMENT_READ: N_("open the appointment book or today's list"),
    UseCase.APPOINTMENT_WRITE: N_("book or move appointments"),
    UseCase.CLINIC_SETTINGS: N_("change the clinic's settings"),
    UseCase.EVIDENCE_CURATE: N_("enter or correct trials in the library"),
    UseCase.REFERRER_WRITE: N_("edit the directory of referring doctors"),
}


def role_refused(role: Role, doing: str) -> PermissionDenied:
    """The refusal "<role> cannot <doing>.", ``doing`` an ``N_``-marked verb phrase."""
    return PermissionDenied(_("%(who)s cannot %(doing)s.") % {
        "who": _(ROLE_WORDS[role]), "doing": _(doing)})


def role_refused_for(role: Role, use_case: UseCase) -> PermissionDenied:
    """The refusal of ``role`` for ``use_case``, in words."""
    return role_refused(role, USE_CASE_WORDS[use_case])


# The one answer for "not in your clinic" and "does not exist", by the kind of thing asked for.
_NOT_FOUND: dict[str, str] = {
    "patient": N_("There is no such patient."),
    "plan": N_("There is no such plan."),
    "score": N_("There is no such score."),
    "resource": N_("There is no such record."),
    "medication statement": N_("There is no such medication."),
}


def not_found_sentence(what: str) -> str:
    """"There is no such patient.": ``what`` a kind above, else words already translated."""
    known = _NOT_FOUND.get(what)
    return _(known) if known else _("There is no such %(what)s.") % {"what": what}


_PLAN_STATUS: dict[str, str] = {
    "proposed": N_("proposed"),
    "accepted": N_("accepted"),
    "superseded": N_("superseded"),
    "withdrawn": N_("withdrawn"),
    "entered-in-error": N_("entered in error"),
}


def plan_status_word(status: str) -> str:
    """A plan's status in words ("entered in error", not ``entered-in-error``)."""
    return _(_PLAN_STATUS.get(status, status))
