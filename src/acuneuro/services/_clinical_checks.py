"""Checks a clinic expects before a clinical record is written (issue 14, point 3).

A clinical date (session, adverse event, onset, score, medicine) is refused when it lies after
today or before the patient's birth: such a record cannot be true. A session beyond the
planned course, or a second attended session on one day, can be true but is more often a slip,
so it needs the clinician's explicit confirmation (design choice awaiting clinical sign-off).
"""

from __future__ import annotations

from datetime import date

from acuneuro.i18n import format_date
from acuneuro.i18n import gettext as _
from acuneuro.services._course_common import CourseRefused

__all__ = ["FieldRefused", "NeedsConfirmation", "check_clinical_date", "session_warnings"]


class FieldRefused(CourseRefused):
    """A value the record cannot take; ``field`` names the form field, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NeedsConfirmation(CourseRefused):
    """The record looks like a slip: written only when the clinician confirms (HTTP 409)."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__(" ".join(warnings) + " " + _(
            "Nothing was recorded: confirm to record it anyway."))
        self.warnings = warnings


def check_clinical_date(field: str, what: str, on: date | None, born: date | None,
                        today: date | None = None) -> None:
    """Refuse ``on`` after ``today`` or before ``born``; ``what`` names the date in words."""
    if on is None:
        return
    today = today or date.today()
    if on > today:
        raise FieldRefused(field, _("%(what)s (%(on)s) is after today: a clinical record "
                                    "can only be dated on or before today.")
                           % {"what": what, "on": format_date(on)})
    if born is not None and on < born:
        raise FieldRefused(field, _("%(what)s (%(on)s) is before the patient's date of "
                                    "birth (%(born)s).")
                           % {"what": what, "on": format_date(on), "born": format_date(born)})


def session_warnings(number: int, course_length: int, on: date, attended: bool,
                     attended_days: set[date]) -> list[str]:
    """Why recording session ``number`` on ``on`` needs a confirmation (empty: it does not)."""
    if not attended:
        return []
    found = []
    if course_length and number > course_length:
        found.append(_("Session %(number)d is beyond the planned course of %(length)d "
                       "sessions.") % {"number": number, "length": course_length})
    if on in attended_days:
        found.append(_("An attended session is already recorded on %(on)s.")
                     % {"on": format_date(on)})
    return found
