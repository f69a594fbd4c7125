"""Every route of the application, tried as anonymous, as each role and across clinics.

The routes come from the application itself (``app.routes``, the included routers and the
``/fhir`` router too); the expected answers from ``_matrix.RULES`` and the services' policy.
Refusals are 401 (no credentials), 403 (a role that may not act) and 404 (another clinic's
object, never 403: existence must not leak, Medplum ``accesspolicy.test.ts``); no answer to
an outsider or a researcher may carry a name, birth date, contact or record number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from httpx2 import Response

from acuneuro.asgi import create_app
from acuneuro.services import Context
from acuneuro.store import Database

from ._matrix import RULES, Rule, declared_routes, uncovered
from ._world import IDENTIFYING, Holding, Principal

FHIR_JSON = "application/fhir+json"


def _fresh_app() -> FastAPI:
    return create_app(ctx=Context(Database("sqlite://"), "k" * 40, b"a" * 40, 15, 12))


def test_every_route_has_a_rule() -> None:
    assert uncovered(_fresh_app()) == [], "add a rule to tests/security/_matrix.py"


def test_a_route_without_a_rule_fails_the_coverage_check() -> None:
    app = _fresh_app()
    router = APIRouter()

    @router.get("/api/v1/patients/{patient_id}/photo")
    def photo(patient_id: str) -> dict[str, str]:  # the OpenEMR CVE-2026-25929 shape
        return {"patient": patient_id}

    app.include_router(router)
    assert uncovered(app) == ["GET /api/v1/patients/{patient_id}/photo"]


def test_every_rule_names_a_route_that_exists() -> None:
    declared = {key for key, _ in declared_routes(_fresh_app())}
    assert sorted(set(RULES) - declared) == []


def _fill(template: str, ids: dict[str, str]) -> str:
    path = template
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"{template}: no fixture id for a path parameter; add it"
    return path


def _send(who: Principal, method: str, template: str, rule: Rule,
          ids: dict[str, str]) -> Response:
    if rule.kind == "static":
        return who.web.get(template + "/style.css")
    client = who.web if rule.kind == "web" or not template.startswith(("/api/", "/fhir")) \
        else who.api
    url = _fill(template, ids)
    kwargs: dict[str, Any] = {}
    if rule.json is not None:
        kwargs["json"] = rule.json(ids)
    if rule.fhir is not None:
        kwargs["json"] = rule.fhir(ids)
        kwargs["headers"] = {"Content-Type": FHIR_JSON}
    if rule.files is not None:
        kwargs["files"] = rule.files(ids)
    if rule.form is not None:
        kwargs["data"] = {**rule.form(ids), "csrf": who.csrf}
    elif method == "POST" and client is who.web:
        kwargs["data"] = {"csrf": who.csrf}
    return client.request(method, url, **kwargs)


def _leaks(answer: Response, identity: dict[str, str]) -> list[str]:
    text = answer.text
    return [f"{field}={identity[field]!r}" for field in IDENTIFYING if identity[field] in text]


def _refused_anonymous(rule: Rule, answer: Response) -> bool:
    if rule.kind == "web":
        return answer.status_code == 303 and answer.headers.get("location") == "/"
    return answer.status_code == 401


def test_the_route_matrix_holds(
    ctx: Context, actors: Any, holdings: dict[str, Holding],
    principals: Callable[[str], Principal],
) -> None:
    """One pass over every route: anonymous, researcher, admin, outsider, then the owner."""
    # Routes that end the caller's sessions go last, so the others see live sessions.
    app_routes = sorted(declared_routes(_fresh_app()),
                        key=lambda route: (RULES[route[0]].ends_session,
                                           route[0] == "POST /logout"))
    alice, charlie = holdings["alice"], holdings["charlie"]
    # Searches send a prefix, so an echoed search box is not mistaken for a leak.
    ids = {**alice.ids(), "family_name": alice.identity["family_name"][:6]}
    who = {name: principals(name) for name in ("anonymous", "dana", "erin", "charlie", "alice")}
    roles = {name: actors[name].actor.role for name in ("dana", "erin", "charlie", "alice")}
    problems: list[str] = []

    def check(ok: bool, key: str, name: str, answer: Response, expected: str) -> None:
        if not ok:
            problems.append(f"{key} as {name}: {answer.status_code}, expected {expected}")

    for key, template in app_routes:
        rule = RULES[key]
        method = key.split(" ", 1)[0]
        if rule.kind in {"public", "static"}:
            for name in who:
                answer = _send(who[name], method, template, rule, ids)
                check(answer.status_code < 500, key, name, answer, "no server error")
                for leak in _leaks(answer, alice.identity) + _leaks(answer, charlie.identity):
                    problems.append(f"{key} as {name} leaks {leak}")
            continue
        answer = _send(who["anonymous"], method, template, rule, ids)
        check(_refused_anonymous(rule, answer), key, "anonymous", answer, "401 / login page")
        problems += [f"{key} as anonymous leaks {x}" for x in _leaks(answer, alice.identity)]
        # Everyone in clinic A but the owner, by role; the policy decides.
        for name in ("dana", "erin"):
            answer = _send(who[name], method, template, rule, ids)
            if roles[name] in rule.roles():
                check(answer.status_code not in {401, 403, 404} or
                      answer.status_code in rule.owner_ok, key, name, answer, "allowed")
            else:
                check(answer.status_code == 403, key, name, answer, "403 (role)")
            if roles[name] is not roles["alice"] and rule.use_case is not None and \
                    roles[name].value == "researcher":
                problems += [f"{key} as {name} leaks {x}" for x in _leaks(answer, alice.identity)]
        # The outsider: another clinic's object is not found, and nothing of it shows.
        answer = _send(who["charlie"], method, template, rule, ids)
        if roles["charlie"] not in rule.roles():
            check(answer.status_code == 403, key, "charlie", answer, "403 (role)")
        elif rule.scoped:
            check(answer.status_code == 404, key, "charlie", answer, "404 (other clinic)")
            if "{patient_id}" in template and template.count("{") > 1:
                mixed = {**ids, "patient_id": charlie.patient_id}
                crossed = _send(who["charlie"], method, template, rule, mixed)
                check(crossed.status_code == 404, key, "charlie (own patient, alice's object)",
                      crossed, "404 (other clinic)")
        else:
            check(answer.status_code not in {401, 403, 404}, key, "charlie", answer, "allowed")
        problems += [f"{key} as charlie leaks {x}" for x in _leaks(answer, alice.identity)]
        # The owner: allowed, and the ids are real (a GET answers 2xx), no other clinic leaks.
        answer = _send(who["alice"], method, template, rule, ids)
        if roles["alice"] not in rule.roles():
            check(answer.status_code == 403, key, "alice", answer, "403 (role)")
        elif method == "GET":
            check(answer.status_code < 300 or answer.status_code in rule.owner_ok, key,
                  "alice", answer, "2xx")
        else:
            check(answer.status_code not in {401, 403, 404} or answer.status_code in
                  rule.owner_ok, key, "alice", answer, "allowed")
        problems += [f"{key} as alice leaks {x}" for x in _leaks(answer, charlie.identity)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("name", ["anonymous", "dana"])
def test_researchers_and_strangers_get_no_patient_page(
    name: str, holdings: dict[str, Holding], principals: Callable[[str], Principal]
) -> None:
    who = principals(name)
    page = who.web.get(f"/patients/{holdings['alice'].patient_id}")
    assert page.status_code in {303, 403}
    assert _leaks(page, holdings["alice"].identity) == []
