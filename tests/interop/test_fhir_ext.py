"""A record written as a complex extension reads back unchanged, whatever its shape."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.interop._fhir_ext import from_extension, to_extension

# A field named "..._list" is a list, as a model declares it; every other field is single.
names = st.text(string.ascii_lowercase, min_size=1, max_size=6)
leaves = st.one_of(
    st.booleans(),
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
    st.dates().map(lambda d: d.isoformat()),
)
inner = st.dictionaries(names, leaves, min_size=1, max_size=3)
values = st.one_of(leaves, inner)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    single = draw(st.dictionaries(names, values, max_size=4))
    many = draw(st.dictionaries(names.map(lambda n: f"{n}_list"),
                                st.lists(values, min_size=1, max_size=3), max_size=2))
    return {**single, **many}


@settings(max_examples=60)
@given(records())
def test_a_record_survives_the_complex_extension(record: dict[str, Any]) -> None:
    lists = frozenset(k for k in record if k.endswith("_list"))
    extension = to_extension("https://example.org/ext", record, lists)
    assert all("url" in part for part in extension["extension"])
    assert not any(k.startswith("value") for k in extension)  # complex: sub-extensions only
    assert from_extension(extension, lists) == record
