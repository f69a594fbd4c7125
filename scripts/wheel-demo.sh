#!/usr/bin/env bash
# Acceptance: the built wheel, installed into a fresh venv with the runtime lock alone, runs
# `acuneuro demo` (seeding, then serving until /api/v1/health answers), from a directory that
# is not the checkout. The venv is left in dist/venv for the HTTPS test (tests/deploy).
# pip's cache keeps the second run short; `make wheel` builds the wheel once per source state.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
wheel="$(ls "$root"/dist/acuneuro-*.whl | head -n 1)"
venv="$root/dist/venv"
# The venv is made from the runtime lock alone, and made again whenever the lock changes.
lock_sum="$(sha256sum "$root/requirements.lock" | cut -c1-64)"
if [ "$(cat "$venv/.lock-sha256" 2>/dev/null)" != "$lock_sum" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --require-hashes -r "$root/requirements.lock"
  echo "$lock_sum" > "$venv/.lock-sha256"
fi
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall "$wheel"
"$venv/bin/pip" check --disable-pip-version-check
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
port="$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$venv/bin/acuneuro" --version
"$venv/bin/acuneuro" demo --patients 5 --port "$port" > demo.log 2>&1 &
server=$!
for _ in $(seq 1 120); do
  if "$venv/bin/python" - "$port" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/health", timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
  if ! kill -0 "$server" 2>/dev/null; then cat demo.log >&2; echo "wheel-demo: demo exited" >&2; exit 1; fi
  sleep 1
done
"$venv/bin/python" - "$port" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/health", timeout=5) as r:
    assert r.status == 200, r.status
PY
grep -q "SYNTHETIC DEMO CLINIC" demo.log
# From another directory, the audit chain of the demo database verifies with the same keys.
cd /
"$venv/bin/acuneuro" audit verify --db "sqlite:///$work/var/acuneuro.db" > /dev/null
echo "wheel-demo: the wheel with requirements.lock alone ran acuneuro demo (port $port)"
