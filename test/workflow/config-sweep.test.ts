/**
 * The nightly AWS Config sweep through the synthesized Reconcile (trigger 'schedule'), real handlers, local AWS
 * (issue 11, Done-when: "A nightly sweep over paged Config results remediates every listed table, and the report
 * shows each one").
 *
 * The account: the drifted account (Customers without PITR and on the AWS owned key, terraform-state-lock on the
 * platform key rotating every 730 days, Orders missing, legacy-sessions unmanaged, a left-over drill copy), and four
 * of the seven default Config rules deployed on the local AWS (the other three are missing: another team deleted
 * them). DYNAMODB_TABLE_ENCRYPTED_KMS names another team's key in kmsKeyArns, so Config calls terraform-state-lock
 * non-compliant while the plan calls its TW-SSE compliant: a disagreement. Paging: the PITR rule also holds 120
 * NON_COMPLIANT results for tables that are not in the account any more (Config keeps a deleted resource's result
 * until its next evaluation), put in with the local AWS's evaluation hook, so its results span two pages of 100;
 * more than 100 real drifted tables would make the test minutes long for nothing the paging does not show.
 */
import { ConfigServiceClient, GetComplianceDetailsByConfigRuleCommand } from '@aws-sdk/client-config-service';
import { DescribeContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { publishBundle } from '../../functions/aws/publish.ts';
import { S3RunStore } from '../../functions/aws/run-store.ts';
import { readDesiredStateFiles } from '../../functions/cli/desired-files.ts';
import type { ConfigFindings } from '../../functions/core/config/disagreements.ts';
import { managedConfigRule, type ConfigRuleIdentifier } from '../../functions/core/config/rules.ts';
import type { ConfigReportSection } from '../../functions/run/config-sweep.ts';
import { runKeys } from '../../functions/run/core/keys.ts';
import { handlerApiActions } from '../../infra/permissions.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { putManagedConfigRule } from '../../local/config-rules.ts';
import { prepareLocalReconcile, runLocalReconcile } from '../../local/workflow/reconcile.ts';
import { handlerCallRecorders } from '../support/run-dependencies.ts';
import { useWorkflowAccount } from '../support/workflow-account.ts';

const local = useWorkflowAccount({ prepare: prepareLocalReconcile });

const PITR = managedConfigRule('DYNAMODB_PITR_ENABLED').defaultName;
const KMS = managedConfigRule('DYNAMODB_TABLE_ENCRYPTED_KMS').defaultName;
const DELETION = managedConfigRule('DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED').defaultName;
const ROTATION = managedConfigRule('CMK_BACKING_KEY_ROTATION_ENABLED').defaultName;
const MISSING = (['DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN', 'DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED', 'DYNAMODB_MEETS_RESTORE_TIME_TARGET'] as const).map((id) => managedConfigRule(id).defaultName);
const GONE = Array.from({ length: 120 }, (_, index) => `deleted-table-${String(index).padStart(3, '0')}`);

/** A rule as the stack deploys it (local/config-rules.ts). */
const putRule = (name: string, identifier: ConfigRuleIdentifier, inputParameters?: Record<string, string>) => putManagedConfigRule(new ConfigServiceClient(local.clientConfig), name, identifier, inputParameters);

async function nonCompliant(rule: string): Promise<string[]> {
  const config = new ConfigServiceClient(local.clientConfig);
  const ids: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: rule, ComplianceTypes: ['NON_COMPLIANT'], Limit: 100, NextToken }));
    ids.push(...(page.EvaluationResults ?? []).map((result) => result.EvaluationResultIdentifier!.EvaluationResultQualifier!.ResourceId!));
    NextToken = page.NextToken;
  } while (NextToken);
  return ids;
}

describe('nightly AWS Config sweep (synthesized Reconcile, trigger schedule, local AWS)', () => {
  it('remediates every managed table Config lists (across pages), reports each one, lists the disagreement with both reasons, and asks Config to evaluate again', async () => {
    // Prepare: the drifted account, its desired state published, four rules deployed and >100 results on one rule.
    const clients = createClients(local.clientConfig);
    await createDriftedAccount(clients);
    const otherTeamsKey = await clients.kms.send(new CreateKeyCommand({ Description: 'another team', KeyUsage: 'ENCRYPT_DECRYPT' }));
    const s3 = new S3Client({ ...local.clientConfig, forcePathStyle: true });
    await publishBundle({ s3, kms: clients.kms }, process.env.BUNDLE_BUCKET!, await readDesiredStateFiles('desired-state'), 'rev-1', { macKeyId: process.env.BUNDLE_MAC_KEY_ARN! });
    await putRule(PITR, 'DYNAMODB_PITR_ENABLED');
    await putRule(KMS, 'DYNAMODB_TABLE_ENCRYPTED_KMS', { kmsKeyArns: otherTeamsKey.KeyMetadata!.Arn! });
    await putRule(DELETION, 'DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED');
    await putRule(ROTATION, 'CMK_BACKING_KEY_ROTATION_ENABLED');
    await local.server.putConfigEvaluations(GONE.map((name) => ({ configRuleName: PITR, resourceType: 'AWS::DynamoDB::Table', resourceId: name, complianceType: 'NON_COMPLIANT' as const, annotation: 'Point-in-time recovery is not enabled.' })));
    // (The operator's own state table is in the account too; locally it has no PITR.)
    const pitrListed = ['Customers', ...GONE, 'legacy-sessions', process.env.STATE_TABLE!, 'tw-drill-Customers-20261127'].sort();
    expect((await nonCompliant(PITR)).sort()).toEqual(pitrListed);
    const states: string[] = [];
    const executionName = 'nightly-1';
    // Act
    const result = await runLocalReconcile({ input: { trigger: 'schedule' }, executionName, onEvent: (event) => event.type === 'TaskStateEntered' && states.push(String(event.state)) });
    // Assess: the run converged, with the sweep after load and the re-evaluation after the lock was released.
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'in-sync', failed: 0 });
    expect(states.slice(0, 3)).toEqual(['AcquireLock', 'LoadDesiredState', 'SweepConfig']);
    expect(states.slice(-3)).toEqual(['ReleaseLock', 'ReevaluateConfig', 'FindSeeds']);

    // The findings: every page of the PITR rule (more than one page of 100), the missing rules named.
    const store = new S3RunStore(s3, process.env.BUNDLE_BUCKET!);
    const findings = (await store.get(runKeys.configFindings(executionName))) as ConfigFindings;
    const pitr = findings.rules.find((rule) => rule.ruleName === PITR)!;
    expect(pitr.nonCompliant.length).toBeGreaterThan(100);
    expect(pitr.nonCompliant.map((resource) => resource.resourceId).sort()).toEqual(pitrListed);
    expect(findings.rules.filter((rule) => rule.missing).map((rule) => rule.ruleName).sort()).toEqual([...MISSING].sort());
    const calls = handlerCallRecorders.get('config-sweep')!.all();
    // 7 rules swept, the PITR rule in two pages.
    expect(calls.filter((call) => call.operation === 'GetComplianceDetailsByConfigRule')).toHaveLength(8);

    // Every managed table Config listed was remediated, and the report shows each one.
    const listed = new Set(findings.rules.flatMap((rule) => rule.nonCompliant.map((resource) => resource.resourceId)));
    const report = (await store.get(runKeys.report(executionName))) as { tables: Array<{ name: string; managed: boolean; outcome: string }>; config: ConfigReportSection };
    const managedListed = report.tables.filter((table) => table.managed && listed.has(table.name));
    expect(managedListed.map((table) => table.name).sort()).toEqual(['Customers', 'terraform-state-lock']);
    expect(managedListed.map((table) => table.outcome)).toEqual(['changed', 'changed']);
    const pitrStatus = await clients.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'Customers' }));
    expect(pitrStatus.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('ENABLED');
    expect(report.config.remediated.map((entry) => `${entry.table} ${entry.configRule} ${entry.controls.join(',')}`).sort()).toEqual([`Customers ${KMS} TW-SSE`, `Customers ${PITR} TW-PITR`].sort());
    expect(report.config.sweptRules.sort()).toEqual([DELETION, KMS, PITR, ROTATION].sort());
    expect(report.config.missingRules.map((rule) => rule.ruleName).sort()).toEqual([...MISSING].sort());

    // The plan-compliant table Config calls non-compliant (its key is not in kmsKeyArns): a disagreement with both reasons.
    expect(report.config.disagreements).toEqual([
      {
        table: 'terraform-state-lock',
        control: 'TW-SSE',
        configRule: KMS,
        configSays: expect.stringMatching(/is not in kmsKeyArns/),
        planSays: expect.stringMatching(/^COMPLIANT: /),
      },
    ]);
    // Neither managed nor remediated (unmanagedTables: report), or not in this run (gone, a drill copy, the operator's
    // own table, another team's key): listed as such, never dropped.
    const unjudged = (why: string) => report.config.unjudged.filter((entry) => entry.why === why).map((entry) => `${entry.configRule} ${entry.resourceId}`).sort();
    expect(unjudged('unmanaged')).toEqual([`${DELETION} legacy-sessions`, `${KMS} legacy-sessions`, `${PITR} legacy-sessions`].sort());
    expect(unjudged('not-planned')).toEqual(expect.arrayContaining([`${PITR} deleted-table-000`, `${PITR} tw-drill-Customers-20261127`, `${PITR} ${process.env.STATE_TABLE!}`, `${ROTATION} ${otherTeamsKey.KeyMetadata!.KeyId!}`]));

    // Config was asked to evaluate again (the rules it knows, one call): it now calls Customers PITR-compliant.
    expect(calls.filter((call) => call.operation === 'StartConfigRulesEvaluation')).toHaveLength(1);
    expect(await nonCompliant(PITR)).not.toContain('Customers');
  });

  it('grants config-sweep exactly the AWS actions it called (least privilege, both ways)', () => {
    // Prepare: s3:ListBucket lets GetObject on a findings document a failed sweep never wrote answer 404, not 403.
    const excused = new Set(['s3:ListBucket']);
    // Act
    const called = new Set((handlerCallRecorders.get('config-sweep')?.all() ?? []).flatMap((call) => call.iamActions));
    const granted = new Set(handlerApiActions('config-sweep'));
    // Assess
    expect([...called].filter((action) => !granted.has(action))).toEqual([]);
    expect([...granted].filter((action) => !called.has(action) && !excused.has(action))).toEqual([]);
    expect([...excused].filter((action) => called.has(action))).toEqual([]);
  });
});
