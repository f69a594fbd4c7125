#!/usr/bin/env bash
# build-system asks for setuptools>=77 (the first release that reads a PEP 639 license
# expression). Build the wheel with exactly that minimum, in a clean venv without isolation,
# and check the wheel's metadata carries the license expression and the LICENSE file.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
minimum="$(sed -n 's/^requires = \["setuptools>=\([0-9.]*\)"\]$/\1/p' "$root/pyproject.toml")"
[ -n "$minimum" ] || { echo "check-build-minimum: no setuptools>=N in pyproject.toml" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"${PYTHON:-python3}" -m venv "$work/venv"
# The oldest release that satisfies ">=$minimum" (77.0.0 itself was never published on PyPI).
oldest="$("$work/venv/bin/pip" index versions setuptools 2>/dev/null | "$work/venv/bin/python" -c '
import re, sys
floor = tuple(int(p) for p in sys.argv[1].split("."))
text = sys.stdin.read().split("Available versions:", 1)[1].splitlines()[0]
plain = [v.strip() for v in text.split(",") if re.fullmatch(r"[0-9.]+", v.strip())]
key = lambda v: tuple(int(p) for p in v.split("."))
print(min((v for v in plain if key(v) >= floor), key=key))' "$minimum")"
"$work/venv/bin/pip" install -q --disable-pip-version-check "setuptools==$oldest" wheel
"$work/venv/bin/pip" wheel -q --disable-pip-version-check --no-deps --no-build-isolation \
  -w "$work/dist" "$root"
wheel="$(ls "$work"/dist/acuneuro-*.whl)"
"$work/venv/bin/python" - "$wheel" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    names = wheel.namelist()
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = wheel.read(meta).decode()
assert "License-Expression: Apache-2.0" in text, "no license expression in METADATA"
assert any(n.endswith("licenses/LICENSE") for n in names), "LICENSE not in the wheel"
PY
echo "check-build-minimum: setuptools $("$work/venv/bin/python" -c 'import setuptools; print(setuptools.__version__)') built $(basename "$wheel")"
