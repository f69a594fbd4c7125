"""The shapes that the pre-session safety screen and the planner hand to the rest of the system.

A screen is a list of findings, each from one rule in ``knowledge/safety/`` with its source.
The verdict fails closed: any ``stop`` finding stops the session, any ``caution`` must be
acknowledged by the clinician, and ``exclude`` findings remove points, regions or techniques.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.clinical.case import DermatomeSite, RegionSite
from acuneuro.i18n import N_, gettext
from acuneuro.i18n.prose import prose, render

__all__ = [
    "POINT_AT_LEVEL",
    "NeedlingLimit",
    "PlanPoint",
    "PointRole",
    "PointSide",
    "SafetyFinding",
    "SafetyScreen",
    "Severity",
    "Technique",
]


class Severity(StrEnum):
    stop = "stop"  # no needling today
    exclude = "exclude"  # these points, regions or this technique are left out
    caution = "caution"  # the clinician must acknowledge it before the session


Technique = Literal["needling", "electroacupuncture", "moxibustion"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SafetyFinding(_Frozen):
    rule: str
    severity: Severity
    message: str  # in English, as stored and audited
    sources: list[str] = Field(min_length=1)
    # The rule's message template (knowledge/safety/*.yaml, a catalogue msgid) and what fills it,
    # so that the message is shown in the reader's language (:meth:`shown`); findings stored
    # before issue 15 have neither and are shown from their English ``message``.
    template: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    # True when the finding exists because a fact the rule needs was not assessed.
    not_assessed: bool = False
    # True when the rule's threshold is acuneuro's design choice awaiting clinical sign-off
    # (knowledge/safety/*.yaml ``design_choice``); the message says so too.
    design_choice: bool = False
    excluded_points: list[str] = Field(default_factory=list)
    excluded_regions: list[RegionSite] = Field(default_factory=list)
    excluded_dermatomes: list[str] = Field(default_factory=list)
    # The side of each excluded dermatome (a zoster rash is one-sided); added for the planner.
    excluded_dermatome_sites: list[DermatomeSite] = Field(default_factory=list)
    excluded_techniques: list[Technique] = Field(default_factory=list)
    # Vertebral levels whose Jiaji (EX-B2) points are left out (spinal metal), added for issue 12.
    excluded_jiaji_levels: list[str] = Field(default_factory=list)
    # How electroacupuncture must be dosed when it is given (skin without protective sensation).
    electro_note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _says_design_choice(cls, data: Any) -> Any:
        # The clinician reads the message, not the flag: a design choice is said in words.
        if (isinstance(data, dict) and data.get("design_choice")
                and "design choice" not in str(data.get("message", "")).lower()):
            data = {**data, "message": f"{data['message']} {_DESIGN_CHOICE}"}
        return data

    def shown(self) -> str:
        """The message in the current language (English: ``message`` itself)."""
        if self.template is None:
            return prose(self.message)
        text = render(self.template, self.params)
        if self.design_choice and "design choice" not in self.template.lower():
            text = f"{text} {gettext(_DESIGN_CHOICE)}"
        return text


# Said in words after the message of a rule whose threshold is acuneuro's own design choice.
_DESIGN_CHOICE = N_("(Design choice awaiting clinical sign-off.)")


class SafetyScreen(_Frozen):
    status: Literal["go", "caution", "stop"]
    findings: list[SafetyFinding] = Field(default_factory=list)

    @property
    def cautions(self) -> list[SafetyFinding]:
        return [f for f in self.findings if f.severity is Severity.caution]

    @property
    def excluded_points(self) -> set[str]:
        return {code for f in self.findings for code in f.excluded_points}

    @property
    def excluded_techniques(self) -> set[str]:
        return {t for f in self.findings for t in f.excluded_techniques}

    @staticmethod
    def verdict(findings: list[SafetyFinding]) -> Literal["go", "caution", "stop"]:
        """The overall status: the most severe finding decides (stop > caution > go)."""
        severities = {f.severity for f in findings}
        if Severity.stop in severities:
            return "stop"
        if Severity.caution in severities:
            return "caution"
        return "go"


PointRole = Literal["local", "distal", "segmental"]
PointSide = Literal["left", "right", "both", "midline"]


class NeedlingLimit(_Frozen):
    """How deep and at what angle a point in an anatomical danger zone may be needled.

    The planner attaches the zone's own limit (thoracic Jiaji: bone-backed); a clinician who adds
    a danger-zone point by hand acknowledges the zones and records the limit for this patient
    (the safe depth varies between patients more than between groups: Chu 2018 at GB21).
    """

    angle: Literal["perpendicular", "oblique", "transverse"]
    max_depth_mm: float | None = Field(default=None, gt=0, le=100)
    direction: str | None = Field(default=None, max_length=300)
    basis: str = Field(min_length=1, max_length=1000)
    acknowledged: list[str] = Field(default_factory=list)  # danger-zone tags acknowledged

    def said(self) -> dict[str, Any]:
        """The limit as a message template and its parameters (acuneuro.i18n.prose)."""
        depth: Any = ({"template": N_("at most {mm:g} mm"), "params": {"mm": self.max_depth_mm}}
                      if self.max_depth_mm else N_("no deeper than bone"))
        params = {"depth": depth, "angle": self.angle}
        if self.direction:
            return {"template": N_("{depth}, {angle} {direction}"),
                    "params": {**params, "direction": self.direction}}
        return {"template": N_("{depth}, {angle}"), "params": params}

    def text(self) -> str:
        """The limit in one clinician sentence, e.g. ``at most 20 mm, oblique (towards ...)``,
        in the reader's language."""
        said = self.said()
        return render(said["template"], said["params"])


class PlanPoint(_Frozen):
    code: str  # WHO standard code, e.g. "ST36", "EX-LE10"
    name: str
    role: PointRole
    side: PointSide
    rationale: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    limit: NeedlingLimit | None = None  # set for a point in an anatomical danger zone

    def name_said(self) -> str | dict[str, Any]:
        """The name as a message part: a segmental point's "Jiaji at T5" is a template."""
        match = re.fullmatch(r"(.+) at (\S+)", self.name)
        if match is None:
            return self.name
        return {"template": POINT_AT_LEVEL, "params": {"name": match[1], "level": match[2]}}

    def shown_name(self) -> str:
        """The name in the current language ("Jiaji a livello di T5")."""
        said = self.name_said()
        return said if isinstance(said, str) else render(said["template"], said["params"])


# The name of a point placed at a spinal level (a segmental Jiaji point of a plan).
POINT_AT_LEVEL = N_("{name} at {level}")
