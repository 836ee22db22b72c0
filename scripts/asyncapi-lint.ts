/**
 * npm run api:lint (with redocly for the OpenAPI document) — validates api/asyncapi.yaml with
 * @asyncapi/parser: the AsyncAPI 3 schema, the AMQP bindings and the spec's own rules, offline.
 * Exits 1 on an error; warnings are printed. (@asyncapi/cli would do the same with ~440 MB of
 * dependencies; the parser is what it runs.)
 */
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { readFileSync } from 'node:fs';
import { ASYNCAPI_FILE } from './asyncapi';

async function main(): Promise<void> {
  const { diagnostics } = await new Parser().parse(readFileSync(ASYNCAPI_FILE, 'utf8'), { source: ASYNCAPI_FILE });
  const severities = ['error', 'warning', 'info', 'hint'];
  for (const { severity, code, message, path } of diagnostics)
    console.log(`${ASYNCAPI_FILE} ${severities[severity]} ${code}: ${message} (at ${path.join('.') || 'the root'})`);
  const count = (severity: DiagnosticSeverity) => diagnostics.filter((diagnostic) => diagnostic.severity === severity).length;
  const errors = count(DiagnosticSeverity.Error);
  const warnings = count(DiagnosticSeverity.Warning);
  console.log(`${ASYNCAPI_FILE}: ${errors} errors, ${warnings} warnings, ${diagnostics.length - errors - warnings} notes`);
  if (errors > 0) process.exit(1);
}

void main();
