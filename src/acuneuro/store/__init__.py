"""Persistence: the only code that talks SQL. SQLAlchemy 2 models, Alembic migrations."""

from acuneuro.store._accounts import Clinic, Role, User
from acuneuro.store._appointments import (
    Appointment,
    AppointmentStatus,
    ClinicCalendarRecord,
    Practitioner,
)
from acuneuro.store._audit import AuditEvent
from acuneuro.store._base import Base, UTCDateTime, utcnow
from acuneuro.store._counters import (
    Count,
    Limit,
    SharedCounters,
    ThrottleCount,
    companion_url,
)
from acuneuro.store._course import (
    AdverseEventRecord,
    MedicationStatementRecord,
    PlannedSession,
    PlanRecord,
    ScoreRecord,
    TreatmentSession,
)
from acuneuro.store._database import Database, make_engine, read_only
from acuneuro.store._evidence import CuratedTrialEntry
from acuneuro.store._fhir_access import FhirAssertion, FhirClient, FhirExportFile, FhirExportJob
from acuneuro.store._migrate import current_revision, head_revision, upgrade
from acuneuro.store._name_key import fold_name, name_key
from acuneuro.store._patients import ConditionKind, Encounter, Episode, Patient, PatientIdentity
from acuneuro.store._referrers import Referrer
from acuneuro.store._revisions import ACTIVE, ENTERED_IN_ERROR, RecordRevision
from acuneuro.store._security import AccountLink, MfaCredential

__all__ = [
    "ACTIVE",
    "ENTERED_IN_ERROR",
    "AccountLink",
    "AdverseEventRecord",
    "Appointment",
    "AppointmentStatus",
    "AuditEvent",
    "Base",
    "Clinic",
    "ClinicCalendarRecord",
    "ConditionKind",
    "Count",
    "CuratedTrialEntry",
    "Database",
    "Encounter",
    "Episode",
    "FhirAssertion",
    "FhirClient",
    "FhirExportFile",
    "FhirExportJob",
    "Limit",
    "MedicationStatementRecord",
    "MfaCredential",
    "Patient",
    "PatientIdentity",
    "PlanRecord",
    "PlannedSession",
    "Practitioner",
    "RecordRevision",
    "Referrer",
    "Role",
    "ScoreRecord",
    "SharedCounters",
    "ThrottleCount",
    "TreatmentSession",
    "UTCDateTime",
    "User",
    "companion_url",
    "current_revision",
    "fold_name",
    "head_revision",
    "make_engine",
    "name_key",
    "read_only",
    "upgrade",
    "utcnow",
]
