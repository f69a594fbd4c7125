"""De-identification profiles, random surrogates and the k-anonymity gate."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from acuneuro.analytics.deidentify import (
    RESEARCH_ID,
    ColumnKind,
    ColumnSpec,
    DataDictionary,
    KAnonymityError,
    Profile,
    deidentify,
    smallest_class_size,
)
from acuneuro.knowledge import PrivacyPolicy, knowledge_text, privacy_policy

AS_OF = date(2026, 11, 24)


def _run(planted: Any, profile: Profile = Profile.safe_harbor, **kw: Any) -> Any:
    return deidentify(planted.frame, planted.dictionary, profile, as_of=AS_OF, **kw)


def test_the_policy_lists_the_eighteen_classes_with_k_five_and_floor_two() -> None:
    policy = privacy_policy()
    assert [i.code for i in policy.safe_harbor.identifiers] == list("ABCDEFGHIJKLMNOPQR")
    assert (policy.k_anonymity.default_k, policy.k_anonymity.minimum_k) == (5, 2)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_it_refuses_k_below_five_without_a_reason(planted: Any, k: int) -> None:
    with pytest.raises(ValueError, match="below the default of 5"):
        _run(planted, k=k)
    with pytest.raises(ValueError, match="below the default of 5"):
        _run(planted, k=k, k_override_reason="   ")


@pytest.mark.parametrize("k", [1, 0, -3])
def test_no_reason_lowers_k_below_two(planted: Any, k: int) -> None:
    with pytest.raises(ValueError, match="floor of 2"):
        _run(planted, k=k, k_override_reason="pilot with 3 patients")


def test_a_written_reason_lowers_k_and_is_reported(planted: Any) -> None:
    frame = planted.frame.copy()
    frame.loc[frame["sex"] == "male", "state"] = "ID"
    frame.loc[frame.index[:6], "state"] = "NV"  # two patients alone in Nevada
    planted = type(planted)(frame, planted.dictionary, planted.values, planted.visit_dates)
    with pytest.raises(KAnonymityError):
        _run(planted)
    result = _run(planted, k=2, k_override_reason="DUA 2026-14 approved k=2")
    assert (result.k, result.smallest_class) == (2, 2)
    assert result.k_override_reason == "DUA 2026-14 approved k=2"


def test_a_refusal_reports_the_smallest_class_size_not_its_members(planted: Any) -> None:
    frame = planted.frame.copy()
    lonely = frame["patient_id"] == frame["patient_id"].iloc[0]
    frame.loc[lonely, "sex"] = "other"
    planted = type(planted)(frame, planted.dictionary, planted.values, planted.visit_dates)
    with pytest.raises(KAnonymityError) as refused:
        _run(planted)
    assert (refused.value.smallest, refused.value.k) == (1, 5)
    message = str(refused.value)
    assert "1 patient" in message
    assert "other" not in message and frame["patient_id"].iloc[0] not in message


def test_ages_over_89_and_their_birth_years_become_90_plus(planted: Any) -> None:
    out = _run(planted).frame
    old = out["sex"].eq("male") & out["state"].eq("OR")
    assert set(out.loc[old, "age"]) == {"90+"}
    assert set(out.loc[old, "birth_date"]) == {"90+"}
    assert set(out.loc[~old, "age"]) == {"54", "61", "72"}
    assert set(out.loc[~old, "birth_date"]) == {"1971", "1964", "1953"}


@pytest.mark.parametrize(
    ("born", "label"),
    [(date(1936, 12, 31), "90+"), (date(1936, 1, 1), "90+"), (date(1937, 1, 1), "1937")],
)
def test_a_birth_year_is_aggregated_when_the_person_may_be_90(born: date, label: str) -> None:
    # On 2026-11-24 someone born in 1936 is 89 or 90; someone born in 1937 is at most 89.
    frame = pd.DataFrame({"pid": [f"p{i}" for i in range(5)], "born": [born] * 5})
    dictionary = DataDictionary(
        columns=[
            ColumnSpec(name="pid", kind=ColumnKind.patient_key),
            ColumnSpec(name="born", kind=ColumnKind.birth_date),
        ]
    )
    out = deidentify(frame, dictionary, Profile.safe_harbor, as_of=AS_OF).frame
    assert set(out["born"]) == {label}


def test_safe_harbor_keeps_only_the_year_of_dates_of_care(planted: Any) -> None:
    out = _run(planted).frame
    assert set(out["visit_date"]) == {2025}
    dropped = {c.name for c in planted.dictionary.columns} - set(out.columns)
    kinds = {c.name: c.kind for c in planted.dictionary.columns}
    assert {kinds[c] for c in dropped} == {
        ColumnKind.patient_key,
        ColumnKind.identifier,
        ColumnKind.free_text,
    }


def test_limited_shifts_each_patient_by_one_nonzero_offset_keeping_intervals(
    planted: Any,
) -> None:
    result = _run(planted, Profile.limited)
    out = result.frame
    source = planted.frame.assign(
        research_id=planted.frame["patient_id"].map(
            {v: k for k, v in result.reidentification.items()}
        )
    )
    offsets = set()
    for sid, rows in out.groupby(RESEARCH_ID):
        original = sorted(source.loc[source[RESEARCH_ID] == sid, "visit_date"])
        shifted = sorted(rows["visit_date"])
        deltas = {(s - o).days for s, o in zip(shifted, original, strict=True)}
        assert len(deltas) == 1
        (delta,) = deltas
        span = privacy_policy().limited_data_set.date_shift_max_days
        assert delta != 0 and abs(delta) <= span
        offsets.add(delta)
    assert len(offsets) > 1  # 20 patients drawing the same offset: p < 1e-50


def test_a_profile_given_as_text_is_honoured_and_an_unknown_one_refused(planted: Any) -> None:
    result = deidentify(planted.frame, planted.dictionary, "limited", as_of=AS_OF)  # type: ignore[arg-type]
    assert result.profile is Profile.limited
    assert not set(result.frame["visit_date"]) <= {2025}
    with pytest.raises(ValueError, match="'anonymous' is not a valid Profile"):
        deidentify(planted.frame, planted.dictionary, "anonymous", as_of=AS_OF)  # type: ignore[arg-type]


def test_surrogates_are_random_not_derived_from_the_record(planted: Any) -> None:
    first, second = _run(planted), _run(planted)
    assert set(first.reidentification) != set(second.reidentification)
    assert len(first.reidentification) == 20
    for surrogate, key in first.reidentification.items():
        assert len(surrogate) == 2 * privacy_policy().surrogate_ids.bytes
        for algo in ("md5", "sha1", "sha256", "blake2b"):
            assert surrogate not in hashlib.new(algo, key.encode()).hexdigest()
    per_patient = first.frame.groupby(RESEARCH_ID).size()
    assert set(per_patient) == {3}


def test_it_refuses_an_undeclared_column(planted: Any) -> None:
    frame = planted.frame.assign(nickname="Zeb")
    with pytest.raises(ValueError, match="not in the data dictionary: nickname"):
        deidentify(frame, planted.dictionary, Profile.safe_harbor, as_of=AS_OF)


def test_it_refuses_a_declared_column_that_is_missing(planted: Any) -> None:
    frame = planted.frame.drop(columns=["nrs"])
    with pytest.raises(ValueError, match="missing from the table: nrs"):
        deidentify(frame, planted.dictionary, Profile.safe_harbor, as_of=AS_OF)


def test_it_refuses_a_text_attribute_that_singles_out_each_patient(planted: Any) -> None:
    frame = planted.frame.assign(lab_accession=planted.frame["mrn"].str.replace("MRN", "LAB"))
    specs = [*planted.dictionary.columns, ColumnSpec(name="lab_accession", kind="attribute")]
    with pytest.raises(ValueError, match="lab_accession: every value belongs to a single"):
        deidentify(frame, DataDictionary(columns=specs), Profile.safe_harbor, as_of=AS_OF)
    # Shared text values are ordinary attributes.
    shared = frame.assign(lab_accession=frame["sex"].map({"female": "F-panel", "male": "M"}))
    deidentify(shared, DataDictionary(columns=specs), Profile.safe_harbor, as_of=AS_OF)


def test_it_names_the_column_of_a_bad_date(planted: Any) -> None:
    frame = planted.frame.astype({"visit_date": "object"})
    frame.loc[frame.index[0], "visit_date"] = "not a date"
    with pytest.raises(ValueError, match="visit_date: not a date"):
        deidentify(frame, planted.dictionary, Profile.safe_harbor, as_of=AS_OF)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "ssn", "kind": "identifier"}, "exactly for identifier columns"),
        ({"name": "sex", "kind": "attribute", "identifier": "G"}, "exactly for identifier"),
        ({"name": "sex", "kind": "attribute", "quasi_identifier": True}, "only a date column"),
        ({"name": "x", "kind": "identifier", "identifier": "S"}, "should match pattern"),
    ],
)
def test_the_dictionary_refuses_incoherent_columns(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ColumnSpec.model_validate(spec)


def test_the_dictionary_needs_exactly_one_patient_key() -> None:
    with pytest.raises(ValidationError, match="exactly one patient_key"):
        DataDictionary(columns=[ColumnSpec(name="a", kind=ColumnKind.attribute)])


# A property over random tables: whatever passes the gate really is k-anonymous, and whatever
# is refused really has a class below k.
_tables = st.lists(
    st.tuples(
        st.integers(0, 14),  # patient
        st.sampled_from(["female", "male"]),
        st.sampled_from(["WA", "OR", None]),
        st.integers(18, 100),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(rows=_tables, k=st.integers(2, 6), profile=st.sampled_from(list(Profile)))
def test_every_export_that_passes_the_gate_is_k_anonymous(
    rows: list[tuple[int, str, str | None, int]], k: int, profile: Profile
) -> None:
    frame = pd.DataFrame(rows, columns=["pid", "sex", "state", "age"])
    dictionary = DataDictionary(
        columns=[
            ColumnSpec(name="pid", kind=ColumnKind.patient_key),
            ColumnSpec(name="sex", kind=ColumnKind.quasi_identifier),
            ColumnSpec(name="state", kind=ColumnKind.quasi_identifier),
            ColumnSpec(name="age", kind=ColumnKind.age),
        ]
    )
    top = privacy_policy().safe_harbor.top_coded_age
    generalised = frame.assign(age=frame["age"].map(lambda a: "90+" if a >= top else str(a)))
    classes: dict[tuple[object, ...], set[int]] = {}
    for pid, sex, state, age in generalised.itertuples(index=False):
        classes.setdefault((sex, state, age), set()).add(pid)
    expected = min(len(members) for members in classes.values())
    assert smallest_class_size(generalised, ["sex", "state", "age"], "pid") == expected
    try:
        result = deidentify(
            frame, dictionary, profile, as_of=AS_OF, k=k, k_override_reason="property test"
        )
    except KAnonymityError as refused:
        assert refused.smallest == expected < k
    else:
        assert result.smallest_class == expected >= k
        assert smallest_class_size(result.frame, list(result.quasi_identifiers), RESEARCH_ID) >= k


def _policy_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(knowledge_text("privacy.yaml"))
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["safe_harbor"]["identifiers"].pop(7), "the 18 classes A to R"),
        (lambda d: d["safe_harbor"].update(keep_zip3=True), "census tables"),
        (lambda d: d["k_anonymity"].update(minimum_k=6), "must not exceed default_k"),
        (lambda d: d["k_anonymity"].update(minimum_k=1), "greater than or equal to 2"),
    ],
)
def test_the_privacy_policy_refuses_weakened_data(change: Any, message: str) -> None:
    data = _policy_data()
    assert PrivacyPolicy.model_validate(data) == privacy_policy()
    change(data)
    with pytest.raises(ValidationError, match=message):
        PrivacyPolicy.model_validate(data)


@pytest.mark.parametrize("typed", ["Name: Jane Q Realperson, 14 Elm St", "call 555 0199",
                                   "jane@mail.example", "x" * 33])
def test_it_refuses_free_text_in_a_kept_column_and_names_the_row_not_the_value(
    planted: Any, typed: str
) -> None:
    frame = planted.frame.assign(drug="metformin")
    frame.loc[4, "drug"] = typed
    specs = [*planted.dictionary.columns, ColumnSpec(name="drug", kind="attribute")]
    with pytest.raises(ValueError, match="drug: row 4 holds text outside the form of a code") as no:
        deidentify(frame, DataDictionary(columns=specs), Profile.safe_harbor, as_of=AS_OF)
    assert typed not in str(no.value)


def test_a_declared_code_list_is_the_only_text_a_column_may_carry(planted: Any) -> None:
    frame = planted.frame.assign(drug="metformin")
    listed = ColumnSpec(name="drug", kind="attribute", codes=frozenset({"metformin"}))
    specs = [*planted.dictionary.columns, listed]
    kept = deidentify(frame, DataDictionary(columns=specs), Profile.safe_harbor, as_of=AS_OF)
    assert set(kept.frame["drug"]) == {"metformin"}
    frame.loc[0, "drug"] = "warfarin"  # a code, but not one this column declares
    with pytest.raises(ValueError, match="drug: row 0 holds text outside its code list"):
        deidentify(frame, DataDictionary(columns=specs), Profile.safe_harbor, as_of=AS_OF)
