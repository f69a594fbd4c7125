"""The medication record with medicines as typed: MME by brand, tramadol's kidney ceiling
(US label: CrCl < 30 mL/min, every 12 h, at most 200 mg/day), tramadol with tricyclics, and
buprenorphine named as having no CDC 2022 MME factor."""

from __future__ import annotations

from datetime import date

import pytest

from acuneuro.clinical.medication import (
    MedicationStatement,
    medication_cautions,
    mme_factor,
    mme_on,
)

D0 = date(2026, 12, 1)


def stmt(drug: str, dose: float, unit: str = "mg") -> MedicationStatement:
    return MedicationStatement(drug=drug, daily_dose=dose, unit=unit, start=D0)


@pytest.mark.parametrize(("typed", "dose", "unit", "mme"), [
    ("OxyContin", 20, "mg", 30.0),  # oxycodone 1.5
    ("oxycodone hydrochloride", 20, "mg", 30.0),
    ("Contramal", 200, "mg", 40.0),  # tramadol 0.2
    ("Durogesic", 25, "mcg/h", 60.0),  # transdermal fentanyl 2.4
    ("Palexia", 100, "mg", 40.0),  # tapentadol 0.4
    ("MST Continus", 30, "mg", 30.0),
])
def test_a_brand_or_salt_gets_its_inns_cdc_factor(typed: str, dose: float, unit: str,
                                                 mme: float) -> None:
    result = mme_on([stmt(typed, dose, unit)], D0)
    assert result.total == pytest.approx(mme) and result.complete
    assert result.contributions[0].drug == typed.lower()
    assert mme_factor(typed, unit) == pytest.approx(mme / dose)


def test_a_known_non_opioid_is_complete_and_an_unknown_name_is_not() -> None:
    assert mme_on([stmt("Lyrica", 150), stmt("Cardioaspirin", 100)], D0).complete
    unknown = mme_on([stmt("Zzzyxol", 10)], D0)
    assert unknown.unknown_drugs == ["zzzyxol"] and not unknown.complete


def test_buprenorphine_is_named_with_the_reason_never_counted_as_zero() -> None:
    result = mme_on([stmt("Butrans", 10, "mcg/h")], D0)
    assert result.total == 0 and not result.complete
    assert result.no_cdc_factor == ["buprenorphine"]
    assert result.not_convertible == [
        "butrans (CDC 2022 gives buprenorphine no MME factor (partial opioid agonist with a "
        "ceiling effect))"]


@pytest.mark.parametrize(("dose", "crcl", "flagged"), [
    (200, 29.9, False),
    (201, 29.9, True),
    (250, 30, False),  # the 30 mL/min band starts at 30
    (400, 90, False),
    (401, 90, True),
])
def test_tramadol_dose_is_checked_against_its_kidney_ceiling(dose: float, crcl: float,
                                                            flagged: bool) -> None:
    cautions = [c for c in medication_cautions([stmt("tramadol", dose)], D0, crcl)
                if c.rule == "renal-dose-tramadol"]
    assert bool(cautions) is flagged
    if flagged:
        assert "maximum" in cautions[0].message
        assert ("12 hours" in cautions[0].message) is (crcl < 30)
        assert cautions[0].sources == ["med-tramadol-label"]


def test_tramadol_by_brand_without_kidney_function_is_not_assessed() -> None:
    (c,) = [c for c in medication_cautions([stmt("Ultram", 100)], D0, None)
            if c.rule == "renal-dose-tramadol"]
    assert c.not_assessed


@pytest.mark.parametrize("partner", ["Laroxyl", "amitriptyline", "nortriptyline", "Cymbalta",
                                     "venlafaxine", "Zoloft", "clomipramine"])
def test_tramadol_with_a_tca_snri_or_ssri_is_a_serotonin_and_seizure_caution(partner: str
                                                                             ) -> None:
    cautions = {c.rule: c for c in medication_cautions(
        [stmt("Contramal", 200), stmt(partner, 25)], D0, 90)}
    found = cautions["tramadol-serotonergic"]
    assert "tramadol" in found.message and "seizure" in found.message
    assert "med-tramadol-label" in found.sources


def test_tramadol_alone_or_with_a_non_serotonergic_drug_is_no_combination() -> None:
    rules = {c.rule for c in medication_cautions(
        [stmt("tramadol", 100), stmt("metformin", 1000)], D0, 90)}
    assert "tramadol-serotonergic" not in rules


def test_the_gabapentinoid_band_reads_brands() -> None:
    (c,) = medication_cautions([stmt("Lyrica", 400)], D0, 45)
    assert c.rule == "renal-dose-pregabalin" and "75-300 mg/day range" in c.message


def test_a_medicine_it_cannot_place_is_a_not_assessed_caution_naming_it() -> None:
    cautions = medication_cautions([stmt("Zzzyxol", 10), stmt("Lyrica", 150)], D0, 90)
    (found,) = [c for c in cautions if c.rule == "medicine-unrecognised"]
    assert found.not_assessed and '"zzzyxol"' in found.message


def test_a_recorded_line_with_an_unknown_word_is_a_not_assessed_caution() -> None:
    (found,) = [c for c in medication_cautions([stmt("metformin + Zzzyxol", 1000)], D0, 90)
                if c.rule == "medicine-unrecognised"]
    assert found.not_assessed and "zzzyxol" in found.message
