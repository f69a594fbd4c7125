"""Who may do what: the one table of roles x use cases that every service checks.

Deny by default (ASVS 5.0 8.2.1): a use case missing from ``POLICY`` is allowed to no one.
Researchers work on de-identified exports only (ASVS 5.0 8.2.3 field-level authorization,
HIPAA 164.514(b)): no use case that returns names, birth dates, contact data or record
numbers lists them. Object-level scope (another clinic's patient is "not found", never
"forbidden") is not a role question: each service puts the clinic in its query.
"""

from __future__ import annotations

from enum import StrEnum

from acuneuro.store import Role

__all__ = ["POLICY", "UseCase", "allowed", "roles_for"]

_CLINICAL = frozenset({Role.CLINICIAN, Role.ADMIN})
_ANY = frozenset(Role)


class UseCase(StrEnum):
    """A thing a user does, at the granularity the roles differ."""

    # Identifying patient records (names, birth date, contact data, record number).
    PATIENT_RECORD = "patient.record"
    # A patient's full export (GDPR Art. 15/20) and the erasure of their identity (Art. 17).
    PATIENT_EXPORT = "patient.export"
    PATIENT_ERASE = "patient.erase"
    # Pseudonymous clinical records tied to one patient.
    SCORE_READ = "score.read"
    SCORE_WRITE = "score.write"
    PLAN_READ = "plan.read"
    PLAN_WRITE = "plan.write"
    COURSE_READ = "course.read"
    COURSE_WRITE = "course.write"
    # Tools that store nothing and see no record: scoring, classifying, planning a case.
    CLINICAL_TOOLS = "clinical.tools"
    # De-identified data only (Safe Harbor or limited data set, k-anonymity gate).
    RESEARCH_EXPORT = "research.export"
    COHORT_ANALYTICS = "cohort.analytics"
    # The audit trail itself.
    AUDIT_READ = "audit.read"
    # One's own account (enrolling a second factor).
    OWN_ACCOUNT = "account.own"
    # Other accounts of one's clinic: one-time enrolment and password-reset links.
    ACCOUNT_ADMIN = "account.admin"
    # The appointment book: who comes when (names, no clinical content), booking and moving.
    APPOINTMENT_READ = "appointment.read"
    APPOINTMENT_WRITE = "appointment.write"
    # The clinic's settings: opening hours, closed days, practitioner profiles and feeds.
    CLINIC_SETTINGS = "clinic.settings"
    # The clinic's trial library: entering or correcting a trial's numbers, and verifying
    # another person's entry (published data, no patient record).
    EVIDENCE_CURATE = "evidence.curate"
    # The clinic's directory of referring doctors the referral letter is addressed to.
    REFERRER_WRITE = "referrer.write"


POLICY: dict[UseCase, frozenset[Role]] = {
    UseCase.PATIENT_RECORD: _CLINICAL,
    UseCase.PATIENT_EXPORT: _CLINICAL,
    UseCase.PATIENT_ERASE: frozenset({Role.ADMIN}),
    UseCase.SCORE_READ: _CLINICAL,
    UseCase.SCORE_WRITE: _CLINICAL,
    UseCase.PLAN_READ: _CLINICAL,
    # Planning points is a clinical act: the administrator role manages, it does not treat.
    UseCase.PLAN_WRITE: frozenset({Role.CLINICIAN}),
    UseCase.COURSE_READ: _CLINICAL,
    UseCase.COURSE_WRITE: frozenset({Role.CLINICIAN}),
    UseCase.CLINICAL_TOOLS: _ANY,
    UseCase.RESEARCH_EXPORT: frozenset({Role.RESEARCHER, Role.ADMIN}),
    UseCase.COHORT_ANALYTICS: _ANY,
    UseCase.AUDIT_READ: frozenset({Role.ADMIN}),
    UseCase.OWN_ACCOUNT: _ANY,
    UseCase.ACCOUNT_ADMIN: frozenset({Role.ADMIN}),
    UseCase.APPOINTMENT_READ: _CLINICAL,
    # Booking is front-desk work as much as clinical: the administrator books too.
    UseCase.APPOINTMENT_WRITE: _CLINICAL,
    UseCase.CLINIC_SETTINGS: frozenset({Role.ADMIN}),
    # Design choice awaiting sign-off: researchers and clinicians read trials; administrators
    # manage accounts, not evidence.
    UseCase.EVIDENCE_CURATE: frozenset({Role.RESEARCHER, Role.CLINICIAN}),
    UseCase.REFERRER_WRITE: _CLINICAL,
}


def roles_for(use_case: UseCase) -> frozenset[Role]:
    """The roles that may do ``use_case`` (none when it is not in the table)."""
    return POLICY.get(use_case, frozenset())


def allowed(role: Role, use_case: UseCase) -> bool:
    """True when ``role`` may do ``use_case``."""
    return role in roles_for(use_case)
