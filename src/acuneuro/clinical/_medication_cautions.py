"""Medication cautions for the day: kidney-function dose bands and risky combinations.

Rules are data in ``knowledge/drugs.yaml``: gabapentin and pregabalin daily-dose bands by
creatinine clearance (US labels), gabapentinoids with opioids or other CNS depressants (FDA Drug
Safety Communication, 19 Dec 2019), tramadol with SSRIs/SNRIs (serotonin syndrome; Park et al.,
J Pharm Pract 2014; with tricyclics too, per the tramadol label). A missing creatinine clearance
is reported as not assessed, never as normal, and so is a medicine the vocabulary cannot place.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from acuneuro.clinical._safety_medicines import unrecognised_said
from acuneuro.clinical.drug_names import match_drug, match_drugs
from acuneuro.i18n import N_
from acuneuro.i18n.prose import fill, prose, render
from acuneuro.knowledge import UnrecognisedMedicineRule, safety_rules
from acuneuro.knowledge.course import drug_knowledge

__all__ = ["MedicationCaution", "cautions_for_doses"]


class MedicationCaution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    message: str  # in English
    sources: list[str]
    not_assessed: bool = False
    # The message as a catalogue template and what fills it (acuneuro.i18n.prose), for
    # :meth:`shown`; a caution made before issue 15 is shown from its English message.
    template: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    def shown(self) -> str:
        """The caution in the current language."""
        if self.template is None:
            return prose(self.message)
        return render(self.template, self.params)


def _caution(rule: str, template: str, params: dict[str, Any], sources: list[str],
             not_assessed: bool = False) -> MedicationCaution:
    return MedicationCaution(rule=rule, message=fill(template, params), sources=sources,
                             not_assessed=not_assessed, template=template, params=params)


# The renal-dose cautions (knowledge/drugs.yaml renal_bands), in the words of the catalogue.
_RENAL_NOT_ASSESSED = N_("{drug} {dose:g} mg/day: kidney function (creatinine clearance) not "
                         "assessed, so the dose cannot be checked against its band")
_RENAL_ABOVE = N_("{drug} {dose:g} mg/day is above {limit} for creatinine clearance {crcl:g} "
                  "mL/min{note}")
_RANGE = N_("the {low:g}-{high:g} mg/day range")
_MAXIMUM = N_("the maximum of {high:g} mg/day")


def _inn(drug: str) -> str:
    # Recorded names may be brands or salts ("Lyrica", "tramadol hydrochloride").
    match = match_drug(drug)
    return match.inn if match is not None else drug


def _renal(doses: dict[tuple[str, str], float], crcl: float | None) -> list[MedicationCaution]:
    found: list[MedicationCaution] = []
    for rb in drug_knowledge().renal_bands:
        dose = sum(v for (drug, unit), v in doses.items() if _inn(drug) == rb.drug and unit == "mg")
        if dose == 0:
            continue
        rule = f"renal-dose-{rb.drug}"
        if crcl is None:
            found.append(_caution(rule, _RENAL_NOT_ASSESSED, {"drug": rb.drug, "dose": dose},
                                  list(rb.sources), not_assessed=True))
            continue
        band = next(b for b in rb.bands if b.holds(crcl))
        if dose > band.max:
            limit = ({"template": _RANGE, "params": {"low": band.min, "high": band.max}}
                     if band.min is not None
                     else {"template": _MAXIMUM, "params": {"high": band.max}})
            note: Any = ({"template": " ({note})", "params": {"note": band.note}} if band.note
                         else "")
            params = {"drug": rb.drug, "dose": dose, "limit": limit, "crcl": crcl, "note": note}
            found.append(_caution(rule, _RENAL_ABOVE, params, list(rb.sources)))
    return found


def _combinations(drugs: set[str]) -> list[MedicationCaution]:
    k = drug_knowledge()
    # By INN, so "Contramal" with "Laroxyl" is tramadol with amitriptyline.
    classes = {m.inn: set(m.classes) for d in drugs if (m := match_drug(d)) is not None}
    found: list[MedicationCaution] = []
    for combo in k.combinations:
        a = {d for d, c in classes.items() if c & set(combo.a_classes)}
        b = {d for d, c in classes.items() if c & set(combo.b_classes)}
        pairs = sorted((x, y) for x in a for y in b if x != y)
        if pairs:
            names = ", ".join(f"{x} + {y}" for x, y in pairs)
            params = {"names": names, "message": {"template": combo.message, "params": {}}}
            found.append(_caution(combo.id, "{names}: {message}", params, list(combo.sources)))
    return found


def _unrecognised(drugs: set[str]) -> list[MedicationCaution]:
    # The safety screen's rule (knowledge/safety/bleeding.yaml) words it once for both places.
    rule = next(r for r in safety_rules() if isinstance(r, UnrecognisedMedicineRule))
    found: list[MedicationCaution] = []
    for drug in sorted(drugs):
        said = unrecognised_said(rule, drug, match_drugs(drug))
        if said is not None:
            found.append(_caution(rule.id, *said, list(rule.sources), not_assessed=True))
    return found


def cautions_for_doses(
    doses: dict[tuple[str, str], float], crcl_ml_min: float | None
) -> list[MedicationCaution]:
    """Cautions for one day's total doses per (drug, unit); ``crcl_ml_min`` None = not assessed.

    A drug the medicine vocabulary cannot place is its own not-assessed caution: its dose limits
    and combinations were not checked.
    """
    drugs = {drug for drug, _ in doses}
    return _renal(doses, crcl_ml_min) + _combinations(drugs) + _unrecognised(drugs)
