#!/usr/bin/env bash
# Usage: backup.sh BACKUP_DIR KEEP_DAYS. One consistent backup of the database named by
# ACUNEURO_DATABASE_URL, checked, then backups older than KEEP_DAYS deleted.
#  - SQLite or PostgreSQL: `acuneuro backup` (one snapshot transaction, checksummed archive,
#    restored with `acuneuro restore` into an empty database).
#  - SQLite also: `VACUUM INTO` (SQLite's own consistent copy: a database file, usable as is).
#  - PostgreSQL also: `pg_dump --format=custom` (the database's own tool, for pg_restore).
# The keys are NOT in these files: back them up separately (docs/operations.md).
set -euo pipefail
umask 077  # backups hold patient data: owner only, under cron as under systemd
dir="${1:?backup folder}"; keep="${2:-30}"
acuneuro="${ACUNEURO_BIN:-/opt/acuneuro/venv/bin/acuneuro}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
install -d -m 0700 "$dir"
"$acuneuro" backup --out "$dir/acuneuro-$stamp.backup" > /dev/null
python="$(dirname "$acuneuro")/python"
case "${ACUNEURO_DATABASE_URL:-}" in
  sqlite:///*)
    "$python" - "${ACUNEURO_DATABASE_URL#sqlite:///}" "$dir/acuneuro-$stamp.sqlite" <<'PY'
import sqlite3, sys
source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
source.execute("VACUUM INTO ?", (sys.argv[2],))
assert sqlite3.connect(sys.argv[2]).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
PY
    ;;
  postgresql*)
    url="${ACUNEURO_DATABASE_URL/postgresql+psycopg:/postgresql:}"
    pg_dump --format=custom --file "$dir/acuneuro-$stamp.pgdump" "$url" ;;
esac
find "$dir" -maxdepth 1 -name 'acuneuro-*' -mtime "+$keep" -delete
echo "backup: $dir/acuneuro-$stamp.backup"
