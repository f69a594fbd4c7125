#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with a database "test" that the
# tests may use without a password. Development and CI machines already run one; on a fresh
# machine this installs Debian's server and configures it the same way (test use only).
set -euo pipefail
HOST=127.0.0.1 PORT=5432
if pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; then
  echo "postgres: server answering on $HOST:$PORT"
  exit 0
fi
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "postgres: none installed; installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
VERSION=$(ls /etc/postgresql | sort -V | tail -n 1)
HBA=/etc/postgresql/$VERSION/main/pg_hba.conf
if ! grep -q '^host all all 127.0.0.1/32 trust # acuneuro-tests' "$HBA"; then
  # Local test server only: trust connections from this machine, as the CI machines do.
  sed -i '1i host all all 127.0.0.1/32 trust # acuneuro-tests' "$HBA"
fi
pg_ctlcluster --skip-systemctl-redirect "$VERSION" main start || pg_ctlcluster "$VERSION" main reload
for _ in $(seq 1 30); do
  pg_isready -q -h "$HOST" -p "$PORT" && break
  sleep 1
done
pg_isready -h "$HOST" -p "$PORT"
psql -h "$HOST" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 \
  || psql -h "$HOST" -U postgres -c "CREATE DATABASE test"
echo "postgres: started $VERSION on $HOST:$PORT"
