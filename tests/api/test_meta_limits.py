"""``POST /api/v1/meta`` at its largest allowed input stays under a memory ceiling (issue 13).

An outside test crashed the server with one 963 KB table of 50,000 studies (23 GB RSS): Egger's
test built ``k x k`` matrices. The engine is now linear in ``k`` and a table is limited to
``MAX_STUDIES``. Peak RSS (``VmHWM``) is read in a fresh subprocess, so nothing else this test
session allocated counts against it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from acuneuro.api.routes.evidence import MAX_STUDIES

# Extra peak memory one largest-allowed request may cost over the warmed-up process. Measured:
# 13-20 MB for 10,000 studies with every estimator; the k x k form needed 800 MB per matrix.
CEILING_MB = 100

_PROBE = """
import json, sys
from fastapi.testclient import TestClient
from acuneuro.api import create_app
from acuneuro.api.deps import current_actor

def peak_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024

def rows(n):
    if n > 40_000:  # the outside test's shape: 50,000 bare rows in under 1 MB
        return [{"yi": i % 9, "vi": 1} for i in range(n)]
    return [{"study": f"s{i}", "yi": (i % 17) / 10, "vi": 0.01 + (i % 5) / 100}
            for i in range(n)]

import acuneuro.api.deps as deps
deps.check_work = lambda ctx, work, actor: None  # rate limits: tests/security/test_login_throttle
app = create_app(ctx=object())  # the route reads no database; the caller is given below
app.dependency_overrides[current_actor] = lambda: None
client = TestClient(app)
assert client.post("/api/v1/meta", json={"rows": rows(20)}).status_code == 200  # warm up
out = []
for n, method in json.loads(sys.argv[1]):
    before = peak_mb()
    body = json.dumps({"rows": rows(n), "method": method, "test": "knha"}, separators=(",", ":"))
    answer = client.post("/api/v1/meta", content=body, headers={"content-type": "application/json"})
    reply = answer.json()
    out.append({"n": n, "bytes": len(body), "status": answer.status_code,
                "k": reply.get("k") if answer.status_code == 200 else None,
                "detail": reply.get("detail"), "grew_mb": peak_mb() - before})
print(json.dumps(out))
"""


def _probe(cases: list[tuple[int, str]]) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(cases)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def test_the_largest_allowed_table_pools_within_the_memory_ceiling() -> None:
    answers = _probe([(MAX_STUDIES, "REML"), (MAX_STUDIES, "PM"), (MAX_STUDIES + 1, "REML"),
                      (50_000, "REML")])
    for answer in answers[:2]:
        assert (answer["status"], answer["k"]) == (200, MAX_STUDIES), answer
        assert answer["grew_mb"] < CEILING_MB, answer
    over, huge = answers[2:]
    assert over["status"] == 422
    assert over["detail"][0]["loc"] == ["body", "rows"]
    assert f"at most {MAX_STUDIES:,}" in over["detail"][0]["msg"]
    # 50,000 bare rows still fit in the 1 MB body: refused by their count, at no cost.
    assert huge["bytes"] < 1_000_000
    assert huge["status"] == 422 and huge["grew_mb"] < CEILING_MB, huge
    sys.stdout.write(f"\nmeta memory: {[round(a['grew_mb'], 1) for a in answers]} MB over a "
                     f"warm process (ceiling {CEILING_MB} MB)\n")


def test_a_table_with_endless_columns_is_refused_naming_the_limit(
    api_as: Callable[[str], Any],
) -> None:
    alice = api_as("alice")
    rows = [{"study": f"s{i}", "yi": 0.1, "vi": 0.1, f"extra{i}": 1} for i in range(5000)]
    answer = alice.post("/api/v1/meta", json={"rows": rows})
    assert answer.status_code == 422
    assert "more than 32 different columns" in answer.json()["detail"][0]["msg"]
    wide = "study,yi,vi," + ",".join(f"c{i}" for i in range(40)) + "\n"
    answer = alice.post("/api/v1/meta", content=wide, headers={"content-type": "text/csv"})
    assert answer.status_code == 422 and "at most 32" in answer.json()["detail"][0]["msg"]
