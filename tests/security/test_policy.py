"""The role x use case table: deny by default, researchers never near an identity, and every
role that can take data out in bulk needs a second factor."""

from __future__ import annotations

from acuneuro.services import patients, planning
from acuneuro.services._policy import POLICY, UseCase, allowed, roles_for
from acuneuro.services.mfa import MFA_REQUIRED
from acuneuro.store import Role

_IDENTIFYING = (UseCase.PATIENT_RECORD, UseCase.PATIENT_EXPORT, UseCase.PATIENT_ERASE)
_PER_PATIENT = (UseCase.SCORE_READ, UseCase.SCORE_WRITE, UseCase.PLAN_READ,
                UseCase.PLAN_WRITE, UseCase.COURSE_READ, UseCase.COURSE_WRITE)


def test_every_use_case_is_decided_and_anything_else_is_denied() -> None:
    assert set(POLICY) == set(UseCase)
    assert roles_for("no.such.use-case") == frozenset()  # type: ignore[arg-type]
    assert not any(allowed(role, "no.such.use-case") for role in Role)  # type: ignore[arg-type]


def test_researchers_work_on_de_identified_data_only() -> None:
    for use_case in (*_IDENTIFYING, *_PER_PATIENT, UseCase.AUDIT_READ):
        assert not allowed(Role.RESEARCHER, use_case), use_case
    assert allowed(Role.RESEARCHER, UseCase.RESEARCH_EXPORT)
    assert not allowed(Role.CLINICIAN, UseCase.RESEARCH_EXPORT)


def test_bulk_exports_erasure_and_the_audit_trail_need_a_second_factor() -> None:
    bulk = (roles_for(UseCase.RESEARCH_EXPORT) | roles_for(UseCase.PATIENT_ERASE)
            | roles_for(UseCase.AUDIT_READ))
    assert bulk <= MFA_REQUIRED


def test_the_services_check_the_table_not_a_copy_of_it() -> None:
    assert roles_for(UseCase.PATIENT_RECORD) == patients.PATIENT_ROLES
    assert roles_for(UseCase.PLAN_READ) == planning.READ_ROLES
    assert roles_for(UseCase.PLAN_WRITE) == planning.WRITE_ROLES
