/**
 * AWS Config's findings beside the plan: where the two agree (Config calls a table NON_COMPLIANT and the plan
 * remediates it), where they disagree (Config calls it NON_COMPLIANT, the plan calls every control of that rule
 * COMPLIANT or not applicable), and what is neither (waived, unmanaged and only reported, not in this run).
 *
 * Why: Config's rules and tablewarden's controls check the same things with different inputs (another team's rule
 * parameters, a key that is not in `kmsKeyArns`, a stale evaluation). A finding the plan does not act on must be
 * shown with both reasons, never dropped: security teams read Config, platform teams read the plan.
 *
 * Pure: the nightly sweep (functions/run/config-sweep.ts) stores {@link ConfigFindings}; the run's report step
 * compares them with the approved plans.
 */
import type { ControlId, Finding, TableStatus } from '../model/plan.ts';
import { MANAGED_CONFIG_RULES, type ConfigRuleIdentifier, type ManagedConfigRule } from './rules.ts';

/** One resource Config evaluated NON_COMPLIANT (GetComplianceDetailsByConfigRule's EvaluationResult, trimmed). */
export interface NonCompliantResource {
  /** `AWS::DynamoDB::Table` (resource ID = table name) or `AWS::KMS::Key` (resource ID = key ID). */
  resourceType: string;
  resourceId: string;
  /** Config's explanation, when the rule gave one. */
  annotation?: string;
  /** When Config recorded the result (ISO-8601). */
  resultRecordedTime?: string;
}

/** One rule's sweep. */
export interface ConfigRuleFindings {
  ruleName: string;
  identifier: ConfigRuleIdentifier;
  nonCompliant: NonCompliantResource[];
  /**
   * Set when Config does not know the rule (NoSuchConfigRuleException: deleted, or renamed by the team that owns
   * it): nothing was swept for it, and the report says so.
   */
  missing?: string;
}

/** `runs/<runId>/config/findings.json`: what the nightly sweep collected. */
export interface ConfigFindings {
  /** When the sweep ran (ISO-8601). */
  collectedAt: string;
  rules: ConfigRuleFindings[];
}

/** What the comparison needs to know about one planned table: its plan's findings, and the key it uses. */
export interface PlannedTable {
  name: string;
  managed: boolean;
  status: TableStatus;
  findings: readonly Finding[];
  /**
   * For an unmanaged table: whether the run gives it the baseline (`unmanagedTables: remediate`) or only reports
   * it. Absent: report.
   */
  unmanagedTables?: 'remediate' | 'report';
  /** The KMS key the plan judged for this table (maps CMK_BACKING_KEY_ROTATION_ENABLED's key findings to tables). */
  kmsKeyArn?: string;
}

/** Config calls the table NON_COMPLIANT; the plan calls this control of that rule compliant (or not applicable). */
export interface Disagreement {
  table: string;
  control: ControlId;
  /** The Config rule's name. */
  configRule: string;
  /** Config's annotation, or "no annotation". */
  configSays: string;
  /** The plan's finding: its status and reason. */
  planSays: string;
}

/** A finding the plan remediates in this run (the two agree). */
export interface AgreedFinding {
  table: string;
  configRule: string;
  controls: ControlId[];
  configSays: string;
}

/** Config calls the table NON_COMPLIANT and the plan carries a waiver for a control of that rule. */
export interface WaivedFinding {
  table: string;
  control: ControlId;
  configRule: string;
  configSays: string;
  /** The waiver, as the plan states it (owner, expiry, reason). */
  waiver: string;
}

/** A resource Config lists that this run does not judge, and why. */
export interface UnjudgedFinding {
  configRule: string;
  resourceType: string;
  resourceId: string;
  configSays: string;
  /**
   * unmanaged: a table git does not declare and the policy only reports (`unmanagedTables: report`);
   * not-planned: no plan of this run covers it (deleted since, or a key no planned table uses);
   * not-judged: the run planned it but has no finding for the rule's controls (an observation error);
   * no-control: no tablewarden control checks what the rule checks (DYNAMODB_MEETS_RESTORE_TIME_TARGET: restore
   * drills prove it, and the report's drill column shows them).
   */
  why: 'unmanaged' | 'not-planned' | 'not-judged' | 'no-control';
  /** The tables a KMS key finding maps to, when any. */
  tables?: string[];
}

/** Config's findings, sorted by what the plan does about each. */
export interface ConfigComparison {
  disagreements: Disagreement[];
  remediated: AgreedFinding[];
  waived: WaivedFinding[];
  unjudged: UnjudgedFinding[];
}

/** How a missing annotation reads in a disagreement. */
export const NO_ANNOTATION = 'no annotation';

const TABLE = 'AWS::DynamoDB::Table';
const KMS_KEY = 'AWS::KMS::Key';

/** The key ID of a KMS key ARN (`arn:aws:kms:…:key/<id>`), or the input when it is already an ID. */
function keyIdOf(arnOrId: string): string {
  const match = /:key\/([^/]+)$/.exec(arnOrId);
  return match ? match[1]! : arnOrId;
}

/**
 * Compare Config's findings with the run's plans. Decisions:
 * - WAIVED is not a disagreement: the waiver is the team's recorded decision to accept the finding; it is listed
 *   as waived (with the waiver) so the report can show both side by side.
 * - NOT_APPLICABLE is a disagreement: Config wants the control and the desired state does not ask for it, so
 *   nothing will ever fix the finding (e.g. a rule requiring KMS on a table git leaves on an AWS-owned key).
 * - A control of the rule that the plan calls NON_COMPLIANT means the run remediates the table: agreed.
 * - A KMS key finding counts for every planned table whose key it is.
 */
export function compareWithPlan(findings: ConfigFindings, plannedTables: readonly PlannedTable[]): ConfigComparison {
  const byName = new Map(plannedTables.map((table) => [table.name, table]));
  const byKeyId = new Map<string, PlannedTable[]>();
  for (const table of plannedTables) {
    if (!table.kmsKeyArn) continue;
    const id = keyIdOf(table.kmsKeyArn);
    byKeyId.set(id, [...(byKeyId.get(id) ?? []), table]);
  }
  const rules = new Map<ConfigRuleIdentifier, ManagedConfigRule>(MANAGED_CONFIG_RULES.map((rule) => [rule.identifier, rule]));
  const result: ConfigComparison = { disagreements: [], remediated: [], waived: [], unjudged: [] };
  for (const swept of findings.rules) {
    const rule = rules.get(swept.identifier);
    if (!rule) continue;
    for (const resource of swept.nonCompliant) {
      const configSays = resource.annotation?.trim() ? resource.annotation : NO_ANNOTATION;
      const unjudged = (why: UnjudgedFinding['why'], tables?: string[]) =>
        result.unjudged.push({ configRule: swept.ruleName, resourceType: resource.resourceType, resourceId: resource.resourceId, configSays, why, ...(tables ? { tables } : {}) });
      const tables =
        resource.resourceType === TABLE ? [byName.get(resource.resourceId)].filter((table) => table !== undefined)
        : resource.resourceType === KMS_KEY ? (byKeyId.get(keyIdOf(resource.resourceId)) ?? [])
        : [];
      if (rule.controls.length === 0) {
        unjudged('no-control');
        continue;
      }
      if (tables.length === 0) {
        unjudged('not-planned');
        continue;
      }
      for (const table of tables) {
        if (!table.managed && table.unmanagedTables !== 'remediate') {
          unjudged('unmanaged', resource.resourceType === KMS_KEY ? [table.name] : undefined);
          continue;
        }
        const mapped = table.findings.filter((finding) => rule.controls.includes(finding.control));
        if (mapped.length === 0) {
          unjudged('not-judged', resource.resourceType === KMS_KEY ? [table.name] : undefined);
          continue;
        }
        const failing = mapped.filter((finding) => finding.status === 'NON_COMPLIANT');
        if (failing.length > 0) {
          result.remediated.push({ table: table.name, configRule: swept.ruleName, controls: failing.map((finding) => finding.control), configSays });
          continue;
        }
        const waived = mapped.filter((finding) => finding.status === 'WAIVED');
        if (waived.length > 0) {
          for (const finding of waived) result.waived.push({ table: table.name, control: finding.control, configRule: swept.ruleName, configSays, waiver: finding.reason });
          continue;
        }
        for (const finding of mapped) {
          const planSays = finding.status === 'COMPLIANT' ? `COMPLIANT: ${finding.reason}` : `NOT_APPLICABLE: ${finding.reason}`;
          result.disagreements.push({ table: table.name, control: finding.control, configRule: swept.ruleName, configSays, planSays });
        }
      }
    }
  }
  return result;
}

/**
 * The tables Config calls NON_COMPLIANT while the plan calls every control of that rule compliant or not
 * applicable, with both reasons (the shared contract with the posture report; see {@link compareWithPlan}).
 */
export function findDisagreements(findings: ConfigFindings, plannedTables: readonly PlannedTable[]): Disagreement[] {
  return compareWithPlan(findings, plannedTables).disagreements;
}
