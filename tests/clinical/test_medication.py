from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from acuneuro.clinical.medication import (
    MedicationStatement,
    daily_doses,
    medication_cautions,
    medication_change,
    mme_factor,
    mme_on,
)

D0 = date(2026, 12, 1)

# CDC 2022 Table (Dowell et al., MMWR Recomm Rep 2022;71(3):1-95), as printed with its footnotes
# by GlobalRPh's MME page; typed here independently of knowledge/drugs.yaml.
CDC_2022 = {
    ("codeine", "mg"): 0.15,
    ("fentanyl", "mcg/h"): 2.4,
    ("hydrocodone", "mg"): 1.0,
    ("hydromorphone", "mg"): 5.0,
    ("methadone", "mg"): 4.7,
    ("morphine", "mg"): 1.0,
    ("oxycodone", "mg"): 1.5,
    ("oxymorphone", "mg"): 3.0,
    ("tapentadol", "mg"): 0.4,
    ("tramadol", "mg"): 0.2,
}


def stmt(
    drug: str, dose: float, unit: str = "mg", start: date = D0, stop: date | None = None
) -> MedicationStatement:
    return MedicationStatement(drug=drug, daily_dose=dose, unit=unit, start=start, stop=stop)


@pytest.mark.parametrize(("drug", "unit"), sorted(CDC_2022))
def test_it_uses_the_published_cdc_2022_factor_for_each_opioid(drug: str, unit: str) -> None:
    result = mme_on([stmt(drug, 40, unit)], D0)
    assert result.total == pytest.approx(40 * CDC_2022[(drug, unit)])
    assert result.table_version == "CDC 2022"
    assert result.complete


def test_the_knowledge_table_holds_exactly_the_published_opioids() -> None:
    from acuneuro.knowledge.course import drug_knowledge

    assert {(f.drug, f.unit): f.factor for f in drug_knowledge().mme.factors} == CDC_2022


def test_it_reproduces_the_cdc_2022_worked_examples() -> None:
    # Table footnote: hydrocodone 5 mg four times a day = 20 MME; oxycodone ER 10 mg twice a
    # day = 30 MME.
    assert mme_on([stmt("hydrocodone", 5 * 4)], D0).total == pytest.approx(20)
    assert mme_on([stmt("oxycodone", 10 * 2)], D0).total == pytest.approx(30)


def test_it_does_not_convert_fentanyl_given_in_mg() -> None:
    result = mme_on([stmt("fentanyl", 1, "mg")], D0)
    assert result.total == 0 and result.not_convertible == ["fentanyl (mg)"] and not result.complete


def test_it_flags_a_drug_it_does_not_know_instead_of_counting_it_as_zero() -> None:
    result = mme_on([stmt("Zzzyxol", 10)], D0)
    assert result.unknown_drugs == ["zzzyxol"] and not result.complete


def test_it_names_buprenorphine_as_having_no_cdc_factor_instead_of_counting_zero() -> None:
    result = mme_on([stmt("Transtec", 35, "mcg/h"), stmt("morphine", 30)], D0)
    assert result.total == pytest.approx(30) and not result.complete
    assert result.no_cdc_factor == ["buprenorphine"]
    assert result.not_convertible and "no MME factor" in result.not_convertible[0]


def test_it_ignores_non_opioids_in_mme() -> None:
    assert mme_on([stmt("pregabalin", 300), stmt("morphine", 30)], D0).total == pytest.approx(30)


def test_statement_stop_day_is_inclusive() -> None:
    s = stmt("morphine", 30, stop=D0 + timedelta(days=5))
    assert mme_on([s], D0 + timedelta(days=5)).total == 30
    assert mme_on([s], D0 + timedelta(days=6)).total == 0
    assert mme_on([s], D0 - timedelta(days=1)).total == 0


def test_it_rejects_a_stop_before_the_start() -> None:
    with pytest.raises(ValidationError, match="before start"):
        stmt("morphine", 30, stop=D0 - timedelta(days=1))


def test_it_computes_change_across_overlapping_statements() -> None:
    later = D0 + timedelta(days=56)
    statements = [
        # oxycodone: ER 20 mg/day for the whole course, IR 10 mg/day stopped after four weeks
        stmt("oxycodone", 20),
        stmt("oxycodone", 10, stop=D0 + timedelta(days=27)),
        # pregabalin 300 -> 150 mg/day from week 6
        stmt("pregabalin", 300, stop=D0 + timedelta(days=41)),
        stmt("pregabalin", 150, start=D0 + timedelta(days=42)),
        stmt("duloxetine", 60),
    ]
    change = medication_change(statements, D0, later)
    by_drug = {d.drug: d for d in change.drugs}
    assert by_drug["oxycodone"].baseline_dose == 30 and by_drug["oxycodone"].dose == 20
    assert by_drug["oxycodone"].direction == "reduced"
    assert by_drug["pregabalin"].percent_change == pytest.approx(-50)
    assert by_drug["duloxetine"].direction == "unchanged"
    assert change.mme_baseline.total == pytest.approx(45) and change.mme.total == pytest.approx(30)
    assert change.mme_change == pytest.approx(-15)
    assert change.overall == "reduced"


def test_it_calls_a_course_with_a_new_drug_and_a_reduction_mixed() -> None:
    statements = [
        stmt("tramadol", 200, stop=D0 + timedelta(days=9)),
        stmt("amitriptyline", 25, start=D0 + timedelta(days=10)),
    ]
    change = medication_change(statements, D0, D0 + timedelta(days=20))
    assert {d.drug: d.direction for d in change.drugs} == {
        "tramadol": "stopped",
        "amitriptyline": "started",
    }
    assert change.overall == "mixed"


def test_it_cautions_gabapentinoid_with_an_opioid() -> None:
    cautions = medication_cautions(
        [stmt("pregabalin", 150), stmt("oxycodone", 20)], D0, crcl_ml_min=90
    )
    assert [c.rule for c in cautions] == ["gabapentinoid-cns-depressant"]
    assert "pregabalin + oxycodone" in cautions[0].message


def test_it_cautions_tramadol_with_an_ssri() -> None:
    rules = {
        c.rule
        for c in medication_cautions([stmt("tramadol", 200), stmt("sertraline", 50)], D0, None)
    }
    assert "tramadol-serotonergic" in rules


def test_it_reports_kidney_function_not_assessed_for_gabapentinoids() -> None:
    (c,) = medication_cautions([stmt("gabapentin", 1200)], D0, crcl_ml_min=None)
    assert c.not_assessed and c.rule == "renal-dose-gabapentin"


@pytest.mark.parametrize(
    ("drug", "dose", "crcl", "flagged"),
    [
        ("gabapentin", 1400, 45, False),
        ("gabapentin", 1500, 45, True),
        ("gabapentin", 1500, 60, False),  # the 60 mL/min band starts at 60
        ("gabapentin", 300, 10, False),
        ("pregabalin", 300, 30, False),
        ("pregabalin", 151, 29.9, True),
        ("pregabalin", 600, 60, False),
    ],
)
def test_it_checks_gabapentinoid_dose_against_the_kidney_band(
    drug: str, dose: float, crcl: float, flagged: bool
) -> None:
    assert bool(medication_cautions([stmt(drug, dose)], D0, crcl)) is flagged


def test_mme_factor_is_none_outside_the_table() -> None:
    assert mme_factor("pregabalin", "mg") is None


opioid = st.sampled_from(sorted(CDC_2022))
statement = st.builds(
    lambda key, dose, start, length: stmt(
        key[0], dose, key[1], D0 + timedelta(days=start), D0 + timedelta(days=start + length)
    ),
    opioid,
    st.floats(0.01, 1000, allow_nan=False),
    st.integers(-30, 30),
    st.integers(0, 60),
)


@given(st.lists(statement, max_size=8), st.integers(-40, 100))
def test_mme_is_never_negative_and_adds_up_across_statements(
    statements: list[MedicationStatement], day: int
) -> None:
    on = D0 + timedelta(days=day)
    total = mme_on(statements, on).total
    assert total >= 0
    parts = sum(mme_on([s], on).total for s in statements)
    assert total == pytest.approx(parts)
    assert sum(daily_doses(statements, on).values()) == pytest.approx(
        sum(s.daily_dose for s in statements if s.active_on(on))
    )


@given(st.lists(statement, min_size=1, max_size=6), st.integers(0, 60))
def test_mme_change_equals_difference_of_the_two_days(
    statements: list[MedicationStatement], day: int
) -> None:
    change = medication_change(statements, D0, D0 + timedelta(days=day))
    assert change.mme_change == pytest.approx(change.mme.total - change.mme_baseline.total)


def test_it_reports_an_increase_per_drug_and_overall() -> None:
    statements = [
        stmt("duloxetine", 60, stop=D0 + timedelta(days=13)),
        stmt("duloxetine", 90, start=D0 + timedelta(days=14)),
    ]
    change = medication_change(statements, D0, D0 + timedelta(days=20))
    assert change.drugs[0].direction == "increased" and change.drugs[
        0
    ].percent_change == pytest.approx(50)
    assert change.overall == "increased"
    assert medication_change(statements, D0, D0).overall == "unchanged"
