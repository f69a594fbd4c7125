"""Properties of the safety screen over the issue-12 facts (Hypothesis).

Adding a device or a risk fact never makes the verdict milder (so a non-go never becomes go),
and forgetting a known fact (setting it to ``None``) never turns a caution or stop into go.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.clinical.case import ClinicalCase, Device
from acuneuro.clinical.safety import screen

from ._cases import raw_case

_RANK = {"go": 0, "caution": 1, "stop": 2}
_SITES = st.lists(
    st.fixed_dictionaries({"region": st.sampled_from(["hip", "knee", "upper_arm", "foot",
                                                      "chest", "lower_back"]),
                           "side": st.sampled_from(["left", "right", "both"])}),
    min_size=1, max_size=2,
)  # fmt: skip
# For each fact: the value that means "assessed, absent" and a strategy of values "present".
_FACTS: dict[str, tuple[Any, st.SearchStrategy[Any]]] = {
    "immunosuppressed": (False, st.just(True)),
    "systemic_infection": (False, st.just(True)),
    "heart_valve": ("none", st.sampled_from(["disease", "prosthetic"])),
    "epilepsy": (False, st.just(True)),
    "peripheral_arterial_disease": (False, st.just(True)),
    "prosthetic_joints": ([], _SITES),
    "tumour_sites": ([], _SITES),
    "node_dissection": ([], _SITES),
    "spinal_hardware": ([], st.lists(st.sampled_from(["T4", "T11", "L2"]), min_size=1)),
}


@st.composite
def _cases(draw: st.DrawFn) -> dict[str, Any]:
    """The example case with random issue-12 facts: each not assessed, absent or present."""
    # Quiet backgrounds (everything else assessed and unremarkable) are drawn more often, so a
    # change in one fact is what decides the verdict.
    kind = draw(st.sampled_from(["cipn", "dpn", "dpn", "sci"]))
    facts = {name: draw(st.one_of(st.just(absent), st.none(), present))
             for name, (absent, present) in _FACTS.items()}  # fmt: skip
    pregnant = draw(st.sampled_from([False, False, None, True]))
    data = raw_case(
        condition__kind=kind,
        condition__sci_level=draw(st.sampled_from(["T7", "L1", None, "C5", "T6"])),
        patient__age=draw(st.sampled_from([30, 58])),
        patient__pregnant=pregnant,
        patient__trimester=draw(st.sampled_from([None, 1, 2, 3])) if pregnant else None,
        requested__electroacupuncture=draw(st.sampled_from([False, False, True])),
        devices=draw(st.lists(st.sampled_from([d.value for d in Device]), max_size=2)),
        findings__protective_sensation_lost=draw(st.sampled_from([False, False, None, True])),
        risk_factors=facts,
    )
    data["pain"]["dermatomes"] = draw(st.lists(
        st.fixed_dictionaries({"dermatome": st.sampled_from(["T10", "T11", "L1"]),
                               "side": st.just("both")}), max_size=2))  # fmt: skip
    return data


def _status(data: dict[str, Any]) -> str:
    return screen(ClinicalCase.model_validate(data)).status


@settings(max_examples=150, deadline=None)
@given(_cases(), st.sampled_from(sorted(_FACTS)), st.data())
def test_adding_a_risk_fact_never_makes_the_verdict_milder(
    data: dict[str, Any], name: str, draws: st.DataObject
) -> None:
    absent, present = _FACTS[name]
    data["risk_factors"][name] = absent
    before = _status(data)
    data["risk_factors"][name] = draws.draw(present)
    after = _status(data)
    assert _RANK[after] >= _RANK[before], (name, before, after)


@settings(max_examples=100, deadline=None)
@given(_cases(), st.sampled_from([d.value for d in Device]))
def test_adding_a_device_never_makes_the_verdict_milder(data: dict[str, Any], device: str) -> None:
    before = _status(data)
    data["devices"] = [*data["devices"], device]
    assert _RANK[_status(data)] >= _RANK[before]


def _forget(data: dict[str, Any], fact: str) -> bool:
    """Set one known fact to None; False when the fact does not apply to this case."""
    if fact in _FACTS:
        if data["risk_factors"][fact] is None:
            return False
        data["risk_factors"][fact] = None
    elif fact == "trimester":
        if data["patient"].get("trimester") is None:
            return False
        data["patient"]["trimester"] = None
    elif fact == "sci_level":
        # Outside an SCI case an empty level means "no spinal cord injury", not "not assessed".
        if data["condition"]["kind"] != "sci" or data["condition"].get("sci_level") is None:
            return False
        data["condition"]["sci_level"] = None
    else:
        data[fact] = None
    return True


@settings(max_examples=200, deadline=None)
@given(_cases(), st.sampled_from([*sorted(_FACTS), "trimester", "sci_level", "devices"]))
def test_forgetting_a_known_fact_never_turns_a_warning_into_go(
    data: dict[str, Any], fact: str
) -> None:
    before = _status(data)
    if _forget(data, fact) and before != "go":
        assert _status(data) != "go", fact
