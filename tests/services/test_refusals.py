"""Refusals in words: every role and use case has a phrase, and a refusal raised while a
request or command is served in Italian is an Italian sentence without a code."""

from __future__ import annotations

import pytest
from tests.conftest import Account

from acuneuro.i18n import use_locale
from acuneuro.services import Context, NotFound, PermissionDenied
from acuneuro.services._policy import UseCase
from acuneuro.services._refusals import (
    ROLE_WORDS,
    USE_CASE_WORDS,
    not_found_sentence,
    plan_status_word,
)
from acuneuro.services.patients import get_patient, list_patients
from acuneuro.store import Role


def test_every_role_and_use_case_has_its_words() -> None:
    assert set(ROLE_WORDS) == set(Role)
    assert set(USE_CASE_WORDS) == set(UseCase)


def test_a_refused_role_is_a_sentence_without_its_code(
    ctx: Context, actors: dict[str, Account]
) -> None:
    with pytest.raises(PermissionDenied) as refused:
        list_patients(ctx, actors["dana"].actor)
    assert str(refused.value) == "A researcher cannot open patient records."


def test_a_service_refusal_raised_in_italian_is_italian(
    ctx: Context, actors: dict[str, Account]
) -> None:
    with use_locale("it"), pytest.raises(PermissionDenied) as refused:
        list_patients(ctx, actors["dana"].actor)
    assert str(refused.value) == "Un ricercatore non può aprire le cartelle dei pazienti."
    assert "researcher" not in str(refused.value)
    with use_locale("it"), pytest.raises(NotFound) as missing:
        get_patient(ctx, actors["alice"].actor, "no-such-patient")
    assert "paziente" in str(missing.value) and "patient" not in str(missing.value)


def test_a_plan_status_and_a_missing_thing_are_words() -> None:
    assert plan_status_word("entered-in-error") == "entered in error"
    assert not_found_sentence("patient") == "There is no such patient."
    with use_locale("it"):
        assert plan_status_word("accepted") == "accettato"
        assert not_found_sentence("plan") == "Questo piano non risulta."
