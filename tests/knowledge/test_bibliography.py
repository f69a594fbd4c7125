"""The bibliography: one entry per publication, every citation resolvable."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import pytest
import yaml

from acuneuro.knowledge import bibliography, check_cited


def _yaml_files(folder: Traversable) -> Iterator[Traversable]:
    for entry in folder.iterdir():
        if entry.is_dir():
            yield from _yaml_files(entry)
        elif entry.name.endswith(".yaml") and folder.name != "sources":
            yield entry


def _source_lists(node: Any) -> Iterator[list[str]]:
    """Every ``sources:`` list anywhere in a parsed knowledge file."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "sources" and isinstance(value, list):
                yield value
            else:
                yield from _source_lists(value)
    elif isinstance(node, list):
        for item in node:
            yield from _source_lists(item)


def _all_source_lists() -> list[tuple[str, list[str]]]:
    root = resources.files("acuneuro.knowledge")
    return [
        (entry.name, cited)
        for entry in _yaml_files(root)
        for cited in _source_lists(yaml.safe_load(entry.read_text("utf-8")))
    ]


def test_no_two_sources_share_a_doi_or_a_pmid() -> None:
    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    for source in bibliography().values():
        if source.doi:
            seen["doi", source.doi.lower()].append(source.id)
        if source.pmid:
            seen["pmid", source.pmid].append(source.id)
    shared = {key: ids for key, ids in seen.items() if len(ids) > 1}
    assert shared == {}


def test_every_cited_id_is_in_the_bibliography_and_cited_once_per_list() -> None:
    lists = _all_source_lists()
    assert len(lists) > 100  # the walk really reaches the knowledge files
    known = bibliography()
    for name, cited in lists:
        assert [s for s in cited if s not in known] == [], name
        assert len(cited) == len(set(cited)), (name, cited)


# Ids each of which once named a publication that another id already named.
_MERGED = {
    "out-dworkin2008": "dworkin2008", "out-farrar2001": "farrar2001", "foot-iwgdf2019": "iwgdf2019",
    "ae-ctcae5": "nci_ctcae_v5", "acu-ctcae5": "nci_ctcae_v5", "acu-witt2009": "witt2009",
    "ae-witt2009": "witt2009", "acu-white2001": "white2001", "ae-white2001": "white2001",
    "acu-lu2020": "lu2020", "ev-lu2020-abstract": "lu2020", "acu-greenlee2016": "greenlee2016",
    "ev-greenlee2016-abstract": "greenlee2016", "acu-dietzel2023": "dietzel2023",
    "ev-dietzel2023-abstract": "dietzel2023", "acu-ursini2011": "ursini2011",
    "ev-ursini2011-abstract": "ursini2011",
}


def test_a_publication_cited_by_several_topics_is_cited_by_one_id() -> None:
    cited = {s for _, ids in _all_source_lists() for s in ids}
    known = bibliography()
    for old, plain in _MERGED.items():
        assert old not in known
        assert plain in cited


def test_check_cited_rejects_a_fact_without_sources_or_with_an_unknown_one() -> None:
    with pytest.raises(ValueError, match="at least one source"):
        check_cited([], "rule x")
    with pytest.raises(ValueError, match=r"unknown source id.*nobody1999"):
        check_cited(["dworkin2008", "nobody1999"], "rule x")
    assert check_cited(["dworkin2008"], "rule x") == ["dworkin2008"]
