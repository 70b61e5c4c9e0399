/**
 * SARIF output of `plan` and `validate` (functions/cli/render-sarif.ts): valid against the official SARIF 2.1.0
 * JSON schema (shipped in @microsoft/jest-sarif, validated with ajv), and carrying what GitHub code scanning
 * needs: rules with ids, results with ruleId, level, message.text and a repository-relative location with a line.
 */
import { mkdtempSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { runValidate } from '../../functions/cli/commands/validate.ts';
import { renderSarif, SARIF_BLAST_RADIUS_RULE, SARIF_PLAN_ERROR_RULE, SARIF_VALIDATION_RULE, type SarifLog } from '../../functions/cli/render-sarif.ts';
import { CONTROL_IDS } from '../../functions/core/controls/index.ts';
import type { Diagnostic } from '../../functions/core/desired/diagnostics.ts';
import type { Plan } from '../../functions/core/model/plan.ts';
import { plan } from '../../functions/core/plan/planner.ts';
import { captureIo } from '../support/capture.ts';
import { driftedAccount, NOW, sampleDesiredState } from '../support/scenario.ts';

const require = createRequire(import.meta.url);

/** The OASIS SARIF 2.1.0 schema (rtm.5, draft-04), compiled once. */
const validateSchema = (() => {
  const ajv = new Ajv({ schemaId: 'auto', allErrors: true });
  ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
  return ajv.compile(require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'));
})();

/** Schema-valid and what GitHub code scanning requires of every result. */
function expectUploadable(log: SarifLog): void {
  expect(validateSchema(log), JSON.stringify(validateSchema.errors, null, 2)).toBe(true);
  expect(log.version).toBe('2.1.0');
  for (const run of log.runs) {
    expect(run.tool.driver.name).toBe('tablewarden');
    const ids = run.tool.driver.rules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const result of run.results) {
      expect(ids[result.ruleIndex]).toBe(result.ruleId);
      expect(['error', 'warning', 'note']).toContain(result.level);
      expect(result.message.text.length).toBeGreaterThan(0);
      expect(result.locations).toHaveLength(1);
      const { artifactLocation, region } = result.locations[0]!.physicalLocation;
      expect(artifactLocation.uri).toMatch(/^(?!\/)(?!\.\.)[^\\]+$/); // repository-relative, forward slashes
      expect(region.startLine).toBeGreaterThanOrEqual(1);
    }
  }
}

const samplePlan = (): Plan => plan({ desired: sampleDesiredState(), observed: driftedAccount(), now: NOW });

describe('SARIF for plan', () => {
  it('has one rule per control (title, rationale, documentation link) and tablewarden\'s own, and is schema-valid', () => {
    // Act
    const log = renderSarif({ command: 'plan', diagnostics: [], plan: samplePlan(), policyFile: 'desired-state/policy.yaml' });
    // Assess
    expectUploadable(log);
    const rules = log.runs[0]!.tool.driver.rules;
    expect(rules.map((rule) => rule.id)).toEqual([...CONTROL_IDS, SARIF_VALIDATION_RULE, SARIF_PLAN_ERROR_RULE, SARIF_BLAST_RADIUS_RULE]);
    expect(rules.find((rule) => rule.id === 'TW-PITR')).toMatchObject({
      shortDescription: { text: 'Point-in-time recovery is enabled with the declared recovery period' },
      helpUri: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery_Howitworks.html',
    });
    expect(log.runs[0]!.automationDetails.id).toBe('tablewarden/plan/');
    // The schema check can fail: no driver name, a result without a message, a level SARIF does not have.
    const run = log.runs[0]!;
    expect(validateSchema({ ...log, runs: [{ ...run, tool: { driver: { rules: [] } } }] })).toBe(false);
    expect(validateSchema({ ...log, runs: [{ ...run, results: [{ ruleId: 'TW-PITR', level: 'warning', locations: [] }] }] })).toBe(false);
    expect(validateSchema({ ...log, runs: [{ ...run, results: [{ ...run.results[0]!, level: 'critical' }] }] })).toBe(false);
  });

  it('reports each NON_COMPLIANT finding at its table file\'s line, with what apply will do; unmanaged tables at policy.yaml', () => {
    // Prepare
    const planned = samplePlan();
    const customers = planned.tables.find((table) => table.name === 'Customers')!;
    // Act
    const results = renderSarif({ command: 'plan', diagnostics: [], plan: planned, policyFile: 'desired-state/policy.yaml' }).runs[0]!.results;
    // Assess
    const pitr = results.find((result) => result.ruleId === 'TW-PITR' && result.message.text.startsWith('Customers:'))!;
    expect(pitr).toMatchObject({
      level: 'warning',
      message: { text: 'Customers: PITR is off. Apply will: enable PITR with a 35-day recovery period.' },
      locations: [{ physicalLocation: { artifactLocation: { uri: 'desired-state/tables/customers.yaml' }, region: { startLine: customers.source!.line } } }],
    });
    const nonCompliant = planned.tables.flatMap((table) => table.findings.filter((finding) => finding.status === 'NON_COMPLIANT').map((finding) => `${table.name} ${finding.control}`));
    expect(results.filter((result) => result.level === 'warning')).toHaveLength(nonCompliant.length);
    const unmanaged = results.filter((result) => result.message.text.startsWith('legacy-sessions (unmanaged'));
    expect(unmanaged.length).toBeGreaterThan(0);
    for (const result of unmanaged) expect(result.locations[0]!.physicalLocation.artifactLocation.uri).toBe('desired-state/policy.yaml');
  });

  it('reports refusals and errors as errors, waivers as suppressed notes, a blocked plan on policy.yaml, and invalid files once', () => {
    // Prepare
    const planned = samplePlan();
    const [first, second, third] = planned.tables.filter((table) => table.managed);
    first!.refusals = [{ control: 'TW-TABLE-EXISTS', reason: 'key schema is customerID (S), declared id (S)' }];
    first!.status = 'refused';
    second!.findings = [{ control: 'TW-PITR', status: 'WAIVED', reason: 'waived until 2027-01-01 by INC-42: load test' }];
    third!.error = 'invalid desired-state file';
    third!.status = 'error';
    planned.blocked = { reason: 'blast-radius guard: 2 of 3 tables' };
    const diagnostics: Diagnostic[] = [{ severity: 'error', file: third!.source!.file, line: 7, column: 5, field: 'spec.billing.mode', message: 'Invalid option' }];
    // Act
    const log = renderSarif({ command: 'plan', diagnostics, plan: planned, policyFile: 'desired-state/policy.yaml' });
    // Assess
    expectUploadable(log);
    const results = log.runs[0]!.results;
    expect(results.find((result) => result.ruleId === 'TW-TABLE-EXISTS' && result.level === 'error')?.message.text).toBe(
      `${first!.name}: key schema is customerID (S), declared id (S) (DynamoDB can't make this change in place; nothing is applied to this table)`,
    );
    expect(results.filter((result) => result.message.text.startsWith(`${first!.name}:`) && result.ruleId === 'TW-TABLE-EXISTS')).toHaveLength(1);
    expect(results.find((result) => result.level === 'note')).toMatchObject({ ruleId: 'TW-PITR', suppressions: [{ kind: 'external', justification: 'waived until 2027-01-01 by INC-42: load test' }] });
    expect(results.find((result) => result.ruleId === SARIF_BLAST_RADIUS_RULE)).toMatchObject({ level: 'error', locations: [{ physicalLocation: { artifactLocation: { uri: 'desired-state/policy.yaml' }, region: { startLine: 1 } } }] });
    expect(results.filter((result) => result.ruleId === SARIF_PLAN_ERROR_RULE)).toEqual([]); // its file's diagnostic says it
    expect(results.find((result) => result.ruleId === SARIF_VALIDATION_RULE)).toMatchObject({
      level: 'error',
      message: { text: 'spec.billing.mode: Invalid option' },
      locations: [{ physicalLocation: { artifactLocation: { uri: third!.source!.file }, region: { startLine: 7, startColumn: 5 } } }],
    });
  });
});

describe('validate --output', () => {
  function brokenCopy(): string {
    const dir = mkdtempSync(join(tmpdir(), 'tw-sarif-'));
    cpSync('desired-state', dir, { recursive: true });
    const file = join(dir, 'tables', 'orders.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/billingMode: \w+|mode: \w+/, (match) => match.replace(/: \w+$/, ': FREE')));
    return dir;
  }

  it('sarif: the diagnostics as results at file, line and column, exit 1; stdout is only the document', async () => {
    // Prepare
    const dir = brokenCopy();
    const io = captureIo();
    // Act
    const code = await runValidate({ dir, output: 'sarif' }, io, NOW);
    // Assess
    expect(code).toBe(1);
    const log = JSON.parse(io.stdout()) as SarifLog;
    expectUploadable({ ...log, runs: log.runs.map((run) => ({ ...run, results: run.results.map((result) => ({ ...result, locations: result.locations.map((where) => ({ physicalLocation: { ...where.physicalLocation, artifactLocation: { uri: 'desired-state/tables/orders.yaml' } } })) })) })) });
    const [result] = log.runs[0]!.results;
    expect(log.runs[0]!.results).toHaveLength(1);
    expect(result).toMatchObject({ ruleId: SARIF_VALIDATION_RULE, level: 'error' });
    expect(result!.locations[0]!.physicalLocation.region.startLine).toBeGreaterThan(1);
    expect(io.stderr()).toContain(`${result!.locations[0]!.physicalLocation.region.startLine}:`); // the text diagnostic still on stderr
    expect(log.runs[0]!.automationDetails.id).toBe('tablewarden/validate/');
  });

  it('json: valid flag, tables and diagnostics; a valid directory exits 0 with the summary on stderr', async () => {
    // Prepare
    const broken = captureIo();
    const valid = captureIo();
    // Act
    const brokenCode = await runValidate({ dir: brokenCopy(), output: 'json' }, broken, NOW);
    const validCode = await runValidate({ dir: 'desired-state', output: 'json' }, valid, NOW);
    // Assess
    expect(brokenCode).toBe(1);
    expect(JSON.parse(broken.stdout())).toMatchObject({ valid: false, invalidFiles: 1, diagnostics: [{ severity: 'error', field: expect.stringMatching(/billing/) }] });
    expect(validCode).toBe(0);
    expect(JSON.parse(valid.stdout())).toMatchObject({ valid: true, tables: ['Customers', 'Orders', 'terraform-state-lock'], diagnostics: [] });
    expect(valid.stderr()).toMatch(/^3 tables and the policy are valid/);
  });
});
