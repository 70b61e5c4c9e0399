/**
 * SARIF 2.1.0 output of `plan` and `validate`, so GitHub code scanning (github/codeql-action/upload-sarif) shows
 * posture findings and validation errors on the pull request, at the line of the table's file.
 *
 * What GitHub reads (docs.github.com, "SARIF support for code scanning"): `runs[].tool.driver.name` and its
 * `rules` (id, shortDescription, fullDescription, helpUri), and per result `ruleId`, `level`, `message.text` and
 * `locations[].physicalLocation.artifactLocation.uri` (relative to the repository root: run tablewarden from the
 * root) with `region.startLine`. Rules are the controls (their title, rationale and documentation link), plus
 * three of tablewarden's own: an invalid desired-state file, a table that could not be planned, and the
 * blast-radius guard. Results:
 * - validation diagnostics: TW-VALIDATION at the file, line and column, error or warning;
 * - NON_COMPLIANT findings: the control, `warning` (apply fixes it), with what apply will do;
 * - refusals (DynamoDB can't make the change in place): the control, `error`;
 * - a table that could not be planned: TW-PLAN-ERROR, `error`; a blocked plan: TW-BLAST-RADIUS on policy.yaml;
 * - waived findings: `note`, with an external suppression carrying the waiver's reason (shown as dismissed).
 * Unmanaged tables have no file: their results point at policy.yaml, whose baseline they are checked against.
 * Pure: the same input gives the same document.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONTROLS } from '../core/controls/index.ts';
import type { Diagnostic } from '../core/desired/diagnostics.ts';
import type { Plan, TablePlan } from '../core/model/plan.ts';

/** The schema URI SARIF 2.1.0 files name (OASIS, errata 01). */
export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** tablewarden's own rules, beside the controls. */
export const SARIF_VALIDATION_RULE = 'TW-VALIDATION';
export const SARIF_PLAN_ERROR_RULE = 'TW-PLAN-ERROR';
export const SARIF_BLAST_RADIUS_RULE = 'TW-BLAST-RADIUS';

type Level = 'error' | 'warning' | 'note';

/** The subset of SARIF 2.1.0 tablewarden writes. */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: { driver: { name: string; rules: SarifRule[] } };
    automationDetails: { id: string };
    results: SarifResult[];
  }>;
}

/** A rule: a control, or one of tablewarden's own. */
export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  /** The control's documentation (tablewarden's own rules have none: their help text says it all). */
  helpUri?: string;
  help: { text: string };
  defaultConfiguration: { level: Level };
  properties: { tags: string[] };
}

/** One result. */
export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: Level;
  message: { text: string };
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn?: number } } }>;
  suppressions?: Array<{ kind: 'external'; justification: string }>;
}

/** What to render. */
export interface SarifInput {
  /** `plan` or `validate`: the code-scanning category (two uploads don't replace each other). */
  command: 'plan' | 'validate';
  diagnostics: readonly Diagnostic[];
  plan?: Plan;
  /** The policy file (e.g. `desired-state/policy.yaml`): where unmanaged tables and the blast radius point. */
  policyFile: string;
}

function ownRule(id: string, name: string, short: string, full: string, level: Level): SarifRule {
  return {
    id,
    name,
    shortDescription: { text: short },
    fullDescription: { text: full },
    help: { text: full },
    defaultConfiguration: { level },
    properties: { tags: ['tablewarden'] },
  };
}

/** Every rule, controls first (in evaluation order), so rule indexes are stable between runs. */
export function sarifRules(): SarifRule[] {
  return [
    ...CONTROLS.map((control) => ({
      id: control.id,
      name: control.id.replace(/^TW-/, '').toLowerCase().replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase()),
      shortDescription: { text: control.title },
      fullDescription: { text: control.rationale },
      helpUri: control.references.documentation,
      help: {
        text:
          `${control.title}. ${control.rationale}` +
          (control.references.configRules.length ? ` AWS Config: ${control.references.configRules.join(', ')}.` : '') +
          (control.references.securityHub.length ? ` Security Hub: ${control.references.securityHub.join(', ')}.` : ''),
      },
      defaultConfiguration: { level: 'warning' as const },
      properties: { tags: ['security', 'dynamodb', 'tablewarden'] },
    })),
    ownRule(SARIF_VALIDATION_RULE, 'DesiredStateValid', 'desired-state file is valid', 'A desired-state file must match the schema (tablewarden schema) and the policy; an invalid table file is skipped by every run.', 'error'),
    ownRule(SARIF_PLAN_ERROR_RULE, 'TablePlanned', 'table can be planned', 'The table could not be planned (invalid file, or the account could not be read for it); nothing is applied to it.', 'error'),
    ownRule(SARIF_BLAST_RADIUS_RULE, 'BlastRadius', 'disruptive changes stay within the blast radius', 'A run that would make disruptive changes to more tables than policy.yaml blastRadius allows makes no change at all.', 'error'),
  ];
}

/** A path as a SARIF artifact URI: relative paths with forward slashes (repository-relative), absolute as file://. */
export function artifactUri(path: string): string {
  if (isAbsolute(path)) return pathToFileURL(path).href;
  return path.replace(/\\/g, '/').replace(/^\.\//, '');
}

function location(file: string, line: number, column?: number): SarifResult['locations'][number] {
  return { physicalLocation: { artifactLocation: { uri: artifactUri(file) }, region: { startLine: Math.max(1, line), ...(column && column > 0 ? { startColumn: column } : {}) } } };
}

/** Results for one table of a plan. */
function tableResults(table: TablePlan, policyFile: string, invalidFiles: ReadonlySet<string>, result: (ruleId: string, level: Level, text: string, where: SarifResult['locations'][number], suppression?: string) => SarifResult): SarifResult[] {
  const where = table.source ? location(table.source.file, table.source.line) : location(policyFile, 1);
  const subject = table.managed ? table.name : `${table.name} (unmanaged, checked against the policy baseline)`;
  const out: SarifResult[] = [];
  if (table.error) {
    // An invalid file is reported once, by its validation diagnostics.
    if (!(table.source && invalidFiles.has(table.source.file))) out.push(result(SARIF_PLAN_ERROR_RULE, 'error', `${subject}: ${table.error}`, where));
    return out;
  }
  const refused = new Set(table.refusals.map((refusal) => refusal.control));
  for (const refusal of table.refusals) out.push(result(refusal.control, 'error', `${subject}: ${refusal.reason} (DynamoDB can't make this change in place; nothing is applied to this table)`, where));
  for (const finding of table.findings) {
    if (refused.has(finding.control)) continue;
    if (finding.status === 'NON_COMPLIANT') {
      const fixes = [...table.actions.filter((action) => action.control === finding.control).map((action) => action.reason + (action.risk === 'disruptive' ? ' (disruptive)' : '')), ...(table.pending ?? []).filter((step) => step.control === finding.control).map((step) => step.description)];
      const fix = fixes.length > 0 ? ` Apply will: ${fixes.join('; ')}.` : table.managed ? '' : ' Reported only (policy.yaml unmanagedTables: report).';
      out.push(result(finding.control, 'warning', `${subject}: ${finding.reason}.${fix}`, where));
    } else if (finding.status === 'WAIVED') {
      out.push(result(finding.control, 'note', `${subject}: waived: ${finding.reason}`, where, finding.reason));
    }
  }
  return out;
}

/** Render findings and diagnostics as a SARIF 2.1.0 log. */
export function renderSarif(input: SarifInput): SarifLog {
  const rules = sarifRules();
  const index = new Map(rules.map((rule, position) => [rule.id, position]));
  const result = (ruleId: string, level: Level, text: string, where: SarifResult['locations'][number], suppression?: string): SarifResult => ({
    ruleId,
    ruleIndex: index.get(ruleId) ?? index.get(SARIF_PLAN_ERROR_RULE)!,
    level,
    message: { text },
    locations: [where],
    ...(suppression !== undefined ? { suppressions: [{ kind: 'external' as const, justification: suppression }] } : {}),
  });
  const results: SarifResult[] = input.diagnostics.map((diagnostic) =>
    result(SARIF_VALIDATION_RULE, diagnostic.severity === 'error' ? 'error' : 'warning', `${diagnostic.field}: ${diagnostic.message}`, location(diagnostic.file, diagnostic.line, diagnostic.column)),
  );
  const invalidFiles = new Set(input.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').map((diagnostic) => diagnostic.file));
  for (const table of input.plan?.tables ?? []) results.push(...tableResults(table, input.policyFile, invalidFiles, result));
  if (input.plan?.blocked) results.push(result(SARIF_BLAST_RADIUS_RULE, 'error', `${input.plan.blocked.reason}; apply will make no change`, location(input.policyFile, 1)));
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'tablewarden', rules } }, automationDetails: { id: `tablewarden/${input.command}/` }, results }],
  };
}
