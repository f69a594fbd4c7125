#!/usr/bin/env bash
# The image of deploy/Dockerfile, built and run by a container engine (podman, or docker): the
# container serves, runs as its non-root user, and a clinician logs in over HTTP (curl).
# Opt-in: `make container-test` (docs/operations.md). The build context is `git archive HEAD`,
# so only committed files (no .venv, var/, keys) reach the image.
#
#   CONTAINER_ENGINE   podman (default) or docker
#   ENGINE_FLAGS       global flags, e.g. "--storage-driver vfs" in a sandbox without overlayfs
#   BUILD_FLAGS        e.g. "--isolation chroot --network host --pull=never"
#   RUN_FLAGS          default "--network host" (the container listens on SMOKE_PORT)
#   SMOKE_PORT         default: a free port
set -euo pipefail

engine=(${CONTAINER_ENGINE:-podman} ${ENGINE_FLAGS:-})
image=acuneuro-smoke:latest
name=acuneuro-smoke-$$
port=${SMOKE_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
email=rossi@clinic.example
password='a long passphrase nobody guesses 7'
context=$(mktemp -d)
trap '"${engine[@]}" rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$context"' EXIT

git archive --format=tar HEAD | tar -x -C "$context"
started=$(date +%s)
# shellcheck disable=SC2086
"${engine[@]}" build ${BUILD_FLAGS:-} -f deploy/Dockerfile -t "$image" "$context"
echo "built in $(( $(date +%s) - started )) s"

# The image's own command, on SMOKE_PORT; SQLite in the image's data folder.
# shellcheck disable=SC2086
"${engine[@]}" run -d --name "$name" ${RUN_FLAGS:---network host} \
  -e ACUNEURO_DATABASE_URL=sqlite:////var/lib/acuneuro/acuneuro.db \
  "$image" acuneuro serve --port "$port" --workers 2 >/dev/null
for _ in $(seq 120); do
  curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null \
  || { "${engine[@]}" logs "$name" | tail -30; echo "FAILED: the container did not serve" >&2; exit 1; }

uid=$("${engine[@]}" exec "$name" id -u)
[ "$uid" = 10001 ] || { echo "FAILED: the server runs as uid $uid, not 10001" >&2; exit 1; }
"${engine[@]}" exec "$name" acuneuro clinic add "Clinica Test" >/dev/null
printf '%s\n' "$password" | "${engine[@]}" exec -i "$name" acuneuro user add \
  --clinic "Clinica Test" --role clinician --email "$email" >/dev/null

answer=$(curl -sS -o /dev/null -w '%{http_code}' --data-urlencode "username=$email" \
  --data-urlencode "password=$password" "http://127.0.0.1:$port/api/v1/auth/token")
[ "$answer" = 200 ] || { echo "FAILED: login answered $answer" >&2; exit 1; }
wrong=$(curl -sS -o /dev/null -w '%{http_code}' --data-urlencode "username=$email" \
  --data-urlencode "password=not it" "http://127.0.0.1:$port/api/v1/auth/token")
[ "$wrong" = 401 ] || { echo "FAILED: a wrong password answered $wrong" >&2; exit 1; }
echo "container-test: served on port $port as uid $uid; login 200, wrong password 401"
