"""The directory of referring doctors (issue 14, item 7): kept per clinic, never two of the same
doctor and practice, bad input refused in sentences with nothing written."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from tests.conftest import Account

from acuneuro.services import Conflict, Context, NotFound, PermissionDenied
from acuneuro.services.messages import validation_sentences
from acuneuro.services.referrers import (
    add_referrer,
    get_referrer,
    list_referrers,
    update_referrer,
)


def test_a_referrer_is_added_edited_and_listed_by_name(
    ctx: Context, actors: dict[str, Account]
) -> None:
    alice = actors["alice"].actor
    rossi = add_referrer(ctx, alice, {"name": "Dr Anna Rossi", "practice": "Via Roma Surgery",
                                      "address": "Via Roma 1\n\n20100 Milano"})
    add_referrer(ctx, alice, {"name": "Dr Ben Abbott"})
    assert [r.name for r in list_referrers(ctx, alice)] == ["Dr Anna Rossi", "Dr Ben Abbott"]
    assert rossi.address_lines == ["Via Roma 1", "20100 Milano"]
    update_referrer(ctx, alice, rossi.id, {"name": "Dr Anna Rossi", "practice": "Moved",
                                           "active": False})
    assert get_referrer(ctx, alice, rossi.id).practice == "Moved"
    assert [r.name for r in list_referrers(ctx, alice, active_only=True)] == ["Dr Ben Abbott"]


def test_the_same_doctor_and_practice_twice_is_a_conflict(
    ctx: Context, actors: dict[str, Account]
) -> None:
    alice = actors["alice"].actor
    add_referrer(ctx, alice, {"name": "Dr Anna Rossi", "practice": "Surgery"})
    with pytest.raises(Conflict):
        add_referrer(ctx, alice, {"name": "Dr Anna Rossi", "practice": "Surgery"})
    assert len(list_referrers(ctx, alice)) == 1


def test_a_blank_or_long_name_is_refused_in_a_sentence_and_nothing_is_written(
    ctx: Context, actors: dict[str, Account]
) -> None:
    alice = actors["alice"].actor
    for name in ("   ", "x" * 201):
        with pytest.raises(ValidationError) as refused:
            add_referrer(ctx, alice, {"name": name})
        sentence = validation_sentences(refused.value)
        assert sentence.startswith("Name ") and "should" not in sentence
    assert list_referrers(ctx, alice) == []


def test_another_clinics_referrer_is_not_found(
    ctx: Context, actors: dict[str, Account]
) -> None:
    mine = add_referrer(ctx, actors["alice"].actor, {"name": "Dr Anna Rossi"})
    with pytest.raises(NotFound):
        get_referrer(ctx, actors["charlie"].actor, mine.id)
    with pytest.raises(NotFound):
        update_referrer(ctx, actors["charlie"].actor, mine.id, {"name": "Dr Taken"})


def test_a_researcher_may_not_keep_the_directory(
    ctx: Context, actors: dict[str, Account]
) -> None:
    with pytest.raises(PermissionDenied):
        add_referrer(ctx, actors["dana"].actor, {"name": "Dr Anna Rossi"})
