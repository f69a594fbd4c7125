#!/usr/bin/env bash
# The HTTPS smoke test (tests/deploy) puts the built wheel behind Debian's Caddy (`tls internal`).
set -euo pipefail
if command -v caddy >/dev/null 2>&1; then
  echo "caddy: $(caddy version 2>/dev/null | head -n 1)"
  exit 0
fi
echo "caddy: not installed; installing Debian's caddy"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends caddy >/dev/null
# Debian starts a caddy service on port 80; the test runs its own instance.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now caddy >/dev/null 2>&1 || true; fi
caddy version
