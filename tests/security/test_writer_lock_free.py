"""No argon2 and no long read under the writer lock (issue 13): recovery codes are checked and
an enrolment's codes hashed outside any write, and FHIR exports, report sources and the score
list read in read transactions, returning nothing before their audit row is committed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from tests.services._course import accepted_patient

from acuneuro.services import AuthenticationFailed, Context, accounts, course_fhir, mfa
from acuneuro.services import assessment as assessment_service
from acuneuro.services import audit as audit_service
from acuneuro.services import course as course_service
from acuneuro.store import AuditEvent, MfaCredential

_WAIT = 120


class _Call(threading.Thread):
    """``work`` in a thread of its own; its answer (or error) once it ends."""

    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.result: list[Any] = []
        self.error: list[BaseException] = []
        self.start()

    def run(self) -> None:
        try:
            self.result.append(self.work())
        except BaseException as exc:  # handed to the test thread
            self.error.append(exc)


@contextmanager
def _writer_lock_held(ctx: Context, audit_chain: bool = False) -> Iterator[None]:
    """A write transaction held open by another thread (on SQLite: the writer lock).

    With ``audit_chain``, on PostgreSQL it also holds the audit chain's lock, which every audit
    row's commit takes: PostgreSQL has no database-wide writer lock, so without it an audit row
    could be committed while the transaction is held, and the test would race.
    """
    ready, release = threading.Event(), threading.Event()

    def hold() -> None:
        with ctx.db.write() as session:
            if audit_chain and session.bind is not None and (
                    session.bind.dialect.name == "postgresql"):
                session.execute(audit_service._LOCK)
            ready.set()
            release.wait(_WAIT)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert ready.wait(30)
    try:
        yield
    finally:
        release.set()
        holder.join(30)


def _enrol(ctx: Context, user_id: int) -> tuple[pyotp.TOTP, list[str]]:
    totp = pyotp.TOTP(mfa.begin_enrolment(ctx, user_id).secret)
    codes = mfa.confirm_enrolment(ctx, user_id, totp.now())
    assert codes is not None and len(set(codes)) == 10
    return totp, codes


def _audit(ctx: Context, **where: str) -> list[AuditEvent]:
    with ctx.db.read() as session:
        query = sa.select(AuditEvent).order_by(AuditEvent.id)
        for column, value in where.items():
            query = query.where(getattr(AuditEvent, column) == value)
        return list(session.scalars(query))


def test_a_recovery_code_is_checked_while_a_write_holds_the_writer_lock_and_works_once(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    erin = actors["erin"]
    _, codes = _enrol(ctx, erin.actor.user_id)
    matched = threading.Event()
    real_verify = mfa.verify  # type: ignore[attr-defined]

    def spy(stored: str, password: str) -> tuple[bool, str | None]:
        answer: tuple[bool, str | None] = real_verify(stored, password)
        if answer[0]:
            matched.set()
        return answer

    monkeypatch.setattr(mfa, "verify", spy)
    with _writer_lock_held(ctx):
        login = _Call(lambda: accounts.authenticate(ctx, erin.email, erin.password, None,
                                                    otp=codes[2]))
        assert matched.wait(_WAIT), "the recovery code was checked under the writer lock"
        assert not login.result  # consuming it and its audit row are a write: they wait
    login.join(_WAIT)
    assert not login.error and login.result[0].user_id == erin.actor.user_id
    with pytest.raises(AuthenticationFailed):  # used
        accounts.authenticate(ctx, erin.email, erin.password, None, otp=codes[2])
    logins = _audit(ctx, action="login", actor=erin.email)
    assert [r.outcome for r in logins[-2:]] == ["success", "failure"]
    with ctx.db.read() as session:
        stored = session.get(MfaCredential, erin.actor.user_id)
        assert stored is not None and len(stored.recovery_hashes) == 9


def test_an_enrolment_hashes_its_recovery_codes_while_a_write_holds_the_writer_lock(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    erin = actors["erin"]
    totp = pyotp.TOTP(mfa.begin_enrolment(ctx, erin.actor.user_id).secret)
    hashed: list[str] = []
    all_hashed = threading.Event()
    real_hash = mfa.hash_password  # type: ignore[attr-defined]

    def spy(code: str) -> str:
        answer: str = real_hash(code)
        hashed.append(answer)
        if len(hashed) == 10:
            all_hashed.set()
        return answer

    monkeypatch.setattr(mfa, "hash_password", spy)
    with _writer_lock_held(ctx):
        confirm = _Call(lambda: mfa.confirm_enrolment(ctx, erin.actor.user_id, totp.now()))
        assert all_hashed.wait(_WAIT), "the recovery codes were hashed under the writer lock"
        assert not confirm.result  # stored by a write, which waits
    confirm.join(_WAIT)
    assert not confirm.error and len(set(confirm.result[0])) == 10
    with ctx.db.read() as session:
        stored = session.get(MfaCredential, erin.actor.user_id)
        assert stored is not None and stored.confirmed_at is not None
        assert stored.recovery_hashes == hashed
    assert [r.outcome for r in _audit(ctx, resource="mfa-enrolment")] == ["success"]


def test_a_recovery_code_consumed_between_its_check_and_its_write_is_refused(
    ctx: Context, actors: Any
) -> None:
    erin = actors["erin"]
    user_id = erin.actor.user_id
    _, codes = _enrol(ctx, user_id)
    first = mfa.match_recovery(ctx, user_id, codes[0])
    second = mfa.match_recovery(ctx, user_id, codes[0].lower())
    assert first is not None and first == second
    assert mfa.match_recovery(ctx, user_id, "AAAAA-AAAAA") is None
    with ctx.db.write() as session:
        assert mfa.check_second_factor(session, ctx.mfa_key, user_id, codes[0], recovered=first)
    with ctx.db.write() as session:  # the other request checked it before the first consumed it
        assert not mfa.check_second_factor(session, ctx.mfa_key, user_id, codes[0],
                                           recovered=second)
    with ctx.db.write() as session:  # a recovery code is never accepted without its check
        assert not mfa.check_second_factor(session, ctx.mfa_key, user_id, codes[1])


def test_an_enrolment_confirmed_twice_at_once_keeps_one_set_of_codes(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = actors["erin"].actor.user_id
    totp = pyotp.TOTP(mfa.begin_enrolment(ctx, user_id).secret)
    code = totp.now()
    wrong = "000000" if code != "000000" else "111111"
    hashed: list[str] = []
    real_hash = mfa.hash_password  # type: ignore[attr-defined]

    def spy(code: str) -> str:
        hashed.append(code)
        answer: str = real_hash(code)
        return answer

    monkeypatch.setattr(mfa, "hash_password", spy)
    assert mfa.prepare_enrolment(ctx, user_id, wrong) is None
    assert not hashed  # a wrong code costs no hashing
    first = mfa.prepare_enrolment(ctx, user_id, code)
    second = mfa.prepare_enrolment(ctx, user_id, code)
    assert first is not None and second is not None
    with ctx.db.write() as session:
        assert mfa.confirm_in(session, ctx, user_id, code, first) == first.codes
    with ctx.db.write() as session:
        assert mfa.confirm_in(session, ctx, user_id, code, second) is None
    with ctx.db.read() as session:
        stored = session.get(MfaCredential, user_id)
        assert stored is not None and stored.recovery_hashes == first.hashes


# The module, the function that does the reading (spied on), and the audit row's action and
# resource.
_READS: dict[str, tuple[Any, str, str, str, Callable[[Context, Any, str], Any]]] = {
    "fhir": (course_fhir, "_resources", "read", "fhir-bundle",
             lambda ctx, actor, pid: course_fhir.export_bundle(ctx, actor, pid)),
    "report": (course_service, "_source", "read", "report",
               lambda ctx, actor, pid: course_service.report_source(ctx, actor, pid,
                                                                    today=date.today())),
    "scores": (assessment_service, "_load_patient", "list", "score",
               lambda ctx, actor, pid: assessment_service.list_scores(ctx, actor, pid)),
}


@pytest.mark.parametrize("kind", sorted(_READS))
def test_course_exports_read_while_a_write_holds_the_writer_lock_and_wait_for_their_audit(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    module, reading, action, resource, call = _READS[kind]
    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice)
    read_done = threading.Event()
    real_read = getattr(module, reading)

    def spy(*args: Any, **kwargs: Any) -> Any:
        answer = real_read(*args, **kwargs)
        read_done.set()
        return answer

    monkeypatch.setattr(module, reading, spy)
    with _writer_lock_held(ctx, audit_chain=True):
        reader = _Call(lambda: call(ctx, alice, pid))
        assert read_done.wait(_WAIT), f"the {kind} read waited for the writer lock"
        assert not reader.result  # nothing returned before its audit row is committed
    reader.join(_WAIT)
    assert not reader.error and reader.result
    rows = _audit(ctx, resource=resource, patient_pseudo_id=pid, action=action)
    assert [r.outcome for r in rows] == ["success"]
