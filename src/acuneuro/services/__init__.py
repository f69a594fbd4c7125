"""Use cases: one function per thing a user does; each checks role and clinic and audits.

The web pages, the JSON API and the command line call these functions and nothing below them
for patient data, so authorization and audit live in one place.
"""

from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ServiceError,
    Throttled,
)
from acuneuro.services._input_limits import FIRST_DAY, LAST_DAY, MAX_TEXT, check_input
from acuneuro.services._patient_models import (
    EpisodeIn,
    EpisodeView,
    PatientCreate,
    PatientUpdate,
    PatientView,
)

__all__ = [
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_TEXT",
    "Actor",
    "AuthenticationFailed",
    "Conflict",
    "Context",
    "EpisodeIn",
    "EpisodeView",
    "NotFound",
    "PatientCreate",
    "PatientUpdate",
    "PatientView",
    "PermissionDenied",
    "ServiceError",
    "Throttled",
    "check_input",
]
