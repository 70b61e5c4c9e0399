/**
 * The nightly AWS Config sweep (issue 11 item 3), in three parts of the nightly Reconcile run:
 *
 * 1. {@link sweepConfig}, after load: every configured rule's NON_COMPLIANT resources, all pages, stored as one
 *    document in the run store (`runs/<runId>/config/findings.json`); the workflow gets a small ref.
 * 2. Nothing extra to reconcile: the nightly run is a full run (no `tables` in its input), and a full run's batches
 *    already hold every table ListTables returns (functions/run/core/batches.ts): each declared table, and each
 *    unmanaged one, which gets the baseline when `policy.yaml` says `unmanagedTables: remediate` and is reported
 *    otherwise. So every table Config lists that exists is planned (and remediated where git or the policy says so)
 *    in that same run.
 * 3. {@link configReportSection}, for the run report: the findings beside the approved plans (disagreements,
 *    remediated, waived, unjudged); and {@link reevaluateConfig}, after the lock is released: StartConfigRulesEvaluation
 *    so Config checks the remediated tables again.
 */
import { startConfigRulesEvaluation, sweepConfigRules, type EvaluationStart } from '../aws/config-compliance.ts';
import {
  compareWithPlan,
  type AgreedFinding,
  type ConfigFindings,
  type Disagreement,
  type PlannedTable,
  type UnjudgedFinding,
  type WaivedFinding,
} from '../core/config/disagreements.ts';
import type { ConfigRuleIdentifier } from '../core/config/rules.ts';
import { customerManagedKeyAlias } from '../core/model/desired.ts';
import type { AccountIndex } from '../core/model/observed.ts';
import type { BatchDocument, PlanDocument } from './core/documents.ts';
import { runKeys } from './core/keys.ts';
import type { RunDependencies, RunStore } from './ports.ts';

/** What the sweep tells the workflow: the document's key and a few counts (the state stays small). */
export interface ConfigSweepRef {
  findingsKey: string;
  rules: number;
  nonCompliant: number;
  missingRules: number;
}

/** Sweep the rules and store the findings. */
export async function sweepConfig({ clients, store }: Pick<RunDependencies, 'clients' | 'store'>, request: { runId: string; rules: ReadonlyMap<string, ConfigRuleIdentifier>; now: Date }): Promise<ConfigSweepRef> {
  const findings = await sweepConfigRules(clients.config, request.rules, request.now);
  const findingsKey = runKeys.configFindings(request.runId);
  await store.put(findingsKey, findings);
  return {
    findingsKey,
    rules: findings.rules.length,
    nonCompliant: findings.rules.reduce((sum, rule) => sum + rule.nonCompliant.length, 0),
    missingRules: findings.rules.filter((rule) => rule.missing !== undefined).length,
  };
}

/** What the re-evaluation did, by rule name (the adapter's outcome, with the rules the sweep found missing). */
export type ConfigReevaluation = EvaluationStart;

/**
 * Ask Config to evaluate the configured rules again. Rules the run's sweep found missing are left out (a chunk of
 * 25 that names one fails whole); without a findings document (the sweep failed) every configured rule is asked.
 */
export async function reevaluateConfig({ clients, store }: Pick<RunDependencies, 'clients' | 'store'>, request: { runId: string; rules: ReadonlyMap<string, ConfigRuleIdentifier> }): Promise<ConfigReevaluation> {
  const findings = (await store.get(runKeys.configFindings(request.runId))) as ConfigFindings | undefined;
  const missing = new Set((findings?.rules ?? []).filter((rule) => rule.missing !== undefined).map((rule) => rule.ruleName));
  const names = [...request.rules.keys()].filter((name) => !missing.has(name));
  const outcome = await startConfigRulesEvaluation(clients.config, names);
  return { ...outcome, missing: [...missing, ...outcome.missing] };
}

/** The run report's `config` section. */
export interface ConfigReportSection {
  /** When the sweep read Config. */
  collectedAt: string;
  /** Rules swept (Config knew them). */
  sweptRules: string[];
  /** Rules Config did not know, with its answer. */
  missingRules: Array<{ ruleName: string; reason: string }>;
  disagreements: Disagreement[];
  /** Findings this run's plans remediate. */
  remediated: AgreedFinding[];
  waived: WaivedFinding[];
  unjudged: UnjudgedFinding[];
}


/**
 * The planned tables as the comparison needs them (pure). A table's key is the key behind its declared alias in
 * the run's account index: the key the plan's TW-SSE and TW-KMS-ROTATION findings judged (a table on another key
 * is NON_COMPLIANT for TW-SSE and migrated, so it is no disagreement either way).
 */
export function plannedTablesOf(plans: ReadonlyArray<{ plan: PlanDocument; batch: BatchDocument | undefined }>, index: AccountIndex | undefined): PlannedTable[] {
  return plans.flatMap(({ plan, batch }) => {
    const specs = new Map((batch?.desired.tables ?? []).map((table) => [table.name, table.spec]));
    const policy = batch?.desired.policy;
    return plan.plan.tables.map((table): PlannedTable => {
      const spec = table.managed ? specs.get(table.name) : policy?.baseline;
      const alias = customerManagedKeyAlias(spec?.encryption);
      const kmsKeyArn = alias ? index?.kmsKeysByAlias[alias]?.arn : undefined;
      return {
        name: table.name,
        managed: table.managed,
        status: table.status,
        findings: table.findings,
        ...(table.managed ? {} : { unmanagedTables: policy?.unmanagedTables === 'remediate' ? 'remediate' : 'report' }),
        ...(kmsKeyArn ? { kmsKeyArn } : {}),
      };
    });
  });
}

/**
 * The run report's `config` section, when this run swept Config (undefined otherwise: a commit or event run, or a
 * sweep that failed). Reads the findings, the run's batches and its account index; `plans` are the ones the report
 * already read, by batch index.
 */
export async function configReportSection(store: RunStore, runId: string, plans: ReadonlyArray<{ index: number; document: PlanDocument }>): Promise<ConfigReportSection | undefined> {
  const findings = (await store.get(runKeys.configFindings(runId))) as ConfigFindings | undefined;
  if (!findings) return undefined;
  const [index, batches] = await Promise.all([
    store.get(runKeys.index(runId)) as Promise<AccountIndex | undefined>,
    Promise.all(plans.map(async ({ index: batchIndex, document }) => ({ plan: document, batch: (await store.get(runKeys.batch(runId, batchIndex))) as BatchDocument | undefined }))),
  ]);
  const comparison = compareWithPlan(findings, plannedTablesOf(batches, index));
  return {
    collectedAt: findings.collectedAt,
    sweptRules: findings.rules.filter((rule) => rule.missing === undefined).map((rule) => rule.ruleName),
    missingRules: findings.rules.flatMap((rule) => (rule.missing === undefined ? [] : [{ ruleName: rule.ruleName, reason: rule.missing }])),
    ...comparison,
  };
}
