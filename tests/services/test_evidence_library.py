"""The living library: entries wait for a second person, and only verified numbers are pooled."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from acuneuro.evidence.curation import CurationError
from acuneuro.evidence.library import condition_evidence
from acuneuro.services import evidence_library as lib
from acuneuro.services._context import Context
from acuneuro.services._errors import PermissionDenied
from acuneuro.store import AuditEvent, CuratedTrialEntry

from ..conftest import Account

IRAVANI = {"trial_id": "iravani2020", "data_kind": "continuous", "n1": "19", "mean1": "-3.1",
           "sd1": "1.5", "n2": "19", "mean2": "-1.2", "sd2": "1.4",
           "source": "Iravani 2020, Pain Res Manag", "location": "Table 2"}


def _cipn_drug(ctx: Context, account: Account) -> tuple[int, float | None]:
    ev = condition_evidence("cipn", library=lib.library(ctx, account.actor))
    cmp = next((c for c in ev.comparisons if c.class_id == "active_drug"), None)
    if cmp is None:
        return 0, None
    return cmp.k, cmp.yi[0] if cmp.k else None


def _count(ctx: Context, model: type) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_entry_enters_the_pool_only_after_a_second_person_verifies_it(
    ctx: Context, actors: dict[str, Account]
) -> None:
    dana, alice = actors["dana"], actors["alice"]
    before = _cipn_drug(ctx, alice)
    entry = lib.propose(ctx, dana.actor, IRAVANI)
    assert _cipn_drug(ctx, alice) == before  # pending: no pooled value changes
    with pytest.raises(lib.CurationRefused, match="second person"):
        lib.verify(ctx, dana.actor, entry)
    assert lib.verify(ctx, alice.actor, entry) == "iravani2020"
    k, yi = _cipn_drug(ctx, alice)
    assert k == before[0] + 1 and yi == pytest.approx(-3.1 - -1.2)
    with pytest.raises(lib.CurationRefused, match="already checked"):
        lib.verify(ctx, alice.actor, entry)
    hist = lib.history(ctx, alice.actor, "iravani2020")
    assert [h["status"] for h in hist] == ["verified", "seed"]
    assert hist[0]["extracted_by"] == dana.email and hist[0]["verified_by"] == alice.email
    assert hist[0]["location"] == "Table 2"


def test_another_clinic_never_sees_the_entry(ctx: Context, actors: dict[str, Account]) -> None:
    entry = lib.propose(ctx, actors["dana"].actor, IRAVANI)
    lib.verify(ctx, actors["alice"].actor, entry)
    outsider = lib.library(ctx, actors["charlie"].actor)
    assert next(t for t in outsider if t.id == "iravani2020").data is None


def test_a_rejected_entry_is_never_pooled(ctx: Context, actors: dict[str, Account]) -> None:
    before = _cipn_drug(ctx, actors["alice"])
    entry = lib.propose(ctx, actors["dana"].actor, IRAVANI)
    lib.verify(ctx, actors["bob"].actor, entry, accept=False)
    assert _cipn_drug(ctx, actors["alice"]) == before


def test_every_entry_and_verification_is_audited(ctx: Context, actors: dict[str, Account]) -> None:
    start = _count(ctx, AuditEvent)
    entry = lib.propose(ctx, actors["dana"].actor, IRAVANI)
    lib.verify(ctx, actors["alice"].actor, entry)
    with ctx.db.read() as session:
        resources = session.scalars(
            select(AuditEvent.resource).where(AuditEvent.id > start).order_by(AuditEvent.id)
        ).all()
    assert "evidence_trial/iravani2020" in resources
    assert "evidence_trial/iravani2020/verified" in resources


def test_a_bad_csv_names_row_and_column_and_imports_nothing(
    ctx: Context, actors: dict[str, Account]
) -> None:
    text = ("trial_id,data_kind,n1,mean1,sd1,n2,mean2,sd2,source,location\n"
            "iravani2020,continuous,19,-3.1,1.5,19,-1.2,1.4,Iravani 2020,Table 2\n"
            "han2017,continuous,49,-2,abc,49,-1,1.1,Han 2017,Table 3\n")
    with pytest.raises(CurationError) as caught:
        lib.import_csv(ctx, actors["dana"].actor, text)
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "sd1")]
    assert "Row 3, column sd1" in str(caught.value)
    assert _count(ctx, CuratedTrialEntry) == 0


def test_a_good_csv_is_imported_as_pending_entries(
    ctx: Context, actors: dict[str, Account]
) -> None:
    text = ("trial_id,data_kind,n1,mean1,sd1,n2,mean2,sd2,source,location\n"
            "iravani2020,continuous,19,-3.1,1.5,19,-1.2,1.4,Iravani 2020,Table 2\n"
            "han2017,continuous,49,-2,1.2,49,-1,1.1,Han 2017,Table 3\n")
    ids = lib.import_csv(ctx, actors["dana"].actor, text)
    assert len(ids) == 2
    assert [p["trial_id"] for p in lib.pending(ctx, actors["alice"].actor)] == [
        "iravani2020", "han2017"]


def test_an_administrator_may_not_curate(ctx: Context, actors: dict[str, Account]) -> None:
    with pytest.raises(PermissionDenied):
        lib.propose(ctx, actors["erin"].actor, IRAVANI)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mean1=st.floats(min_value=-10, max_value=10, allow_nan=False),
    sd1=st.floats(min_value=0.1, max_value=5),
    n1=st.integers(min_value=2, max_value=500),
    trial_id=st.sampled_from(["chao2019", "dietzel2023", "garrow2014", "lu2020"]),
)
def test_a_pending_entry_never_changes_any_pooled_estimate(
    ctx: Context, actors: dict[str, Account], mean1: float, sd1: float, n1: int, trial_id: str
) -> None:
    alice = actors["alice"]

    def pooled() -> list[tuple[str, float | None]]:
        found = []
        for condition in ("dpn", "cipn"):
            ev = condition_evidence(condition, library=lib.library(ctx, alice.actor))
            found += [(c.class_id, c.result.estimate if c.result else None)
                      for c in ev.comparisons]
            found.append(("mixed", ev.sensitivity.result.estimate
                          if ev.sensitivity and ev.sensitivity.result else None))
        return found

    before = pooled()
    lib.propose(ctx, actors["dana"].actor, {
        "trial_id": trial_id, "data_kind": "continuous", "n1": str(n1), "mean1": repr(mean1),
        "sd1": repr(sd1), "n2": str(n1), "mean2": "0", "sd2": "1", "source": "s",
        "location": "Table 9"})
    assert pooled() == before
