/**
 * `tablewarden plan -out FILE` then `tablewarden apply FILE` against the local AWS: exactly the saved actions run;
 * an out-of-band change to a planned table, an edited desired state, another region and a damaged or foreign file
 * are refused before any write.
 */
import { DescribeContinuousBackupsCommand, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApplyEvent } from '../../functions/aws/apply/apply-plan.ts';
import { createClients } from '../../functions/aws/clients.ts';
import { runApply } from '../../functions/cli/commands/apply.ts';
import { runPlan } from '../../functions/cli/commands/plan.ts';
import type { Action } from '../../functions/core/model/plan.ts';
import { readSavedPlan, SAVED_PLAN_API_VERSION, type SavedPlan } from '../../functions/run/core/saved-plan.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo, unattended } from '../support/capture.ts';

const local = useLocalAws();

/** Which write operations each action type may make (one UpdateTable per table change; a key is several calls). */
const WRITES_OF: Record<Action['type'], string[]> = {
  CreateKmsKey: ['kms:CreateKey', 'kms:CreateAlias', 'kms:EnableKeyRotation', 'kms:TagResource', 'kms:PutKeyPolicy'],
  UpdateKmsKeyRotation: ['kms:EnableKeyRotation'],
  CreateTable: ['dynamodb:CreateTable'],
  UpdateSse: ['dynamodb:UpdateTable'],
  UpdatePointInTimeRecovery: ['dynamodb:UpdateContinuousBackups'],
  UpdateDeletionProtection: ['dynamodb:UpdateTable'],
  TagResource: ['dynamodb:TagResource'],
  UpdateTimeToLive: ['dynamodb:UpdateTimeToLive'],
  UpdateStream: ['dynamodb:UpdateTable'],
  UpdateContributorInsights: ['dynamodb:UpdateContributorInsights'],
  UpdateBilling: ['dynamodb:UpdateTable'],
  UpdateTableClass: ['dynamodb:UpdateTable'],
  DeleteGlobalSecondaryIndex: ['dynamodb:UpdateTable'],
  CreateGlobalSecondaryIndex: ['dynamodb:UpdateTable'],
  UpdateGlobalSecondaryIndex: ['dynamodb:UpdateTable'],
  AddToBackupPlan: ['dynamodb:TagResource', 'backup:CreateBackupSelection', 'backup:UpdateBackupPlan', 'backup:CreateBackupVault', 'backup:CreateBackupPlan'],
  StartBackupJob: ['backup:StartBackupJob'],
};

const actionKey = (action: Action) => `${action.table} ${action.control} ${action.type} ${action.reason}`;

describe('plan -out, then apply FILE', () => {
  beforeEach(async () => {
    await local.reset();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  });

  const connection = () => ({ endpointUrl: local.endpoint, region: local.region });
  const planFile = () => join(mkdtempSync(join(tmpdir(), 'tw-saved-')), 'plan.json');
  const savePlan = async (file: string, extra: { dir?: string; table?: string[] } = {}) => {
    const io = captureIo();
    const code = await runPlan({ dir: 'desired-state', table: [], output: 'text', out: file, ...connection(), ...extra }, io);
    return { code, io };
  };
  const applyFile = (file: string, extra: { dir?: string } = {}) => {
    const clients = createClients(local.clientConfig);
    const io = captureIo();
    const events: ApplyEvent[] = [];
    const run = runApply({ dir: 'desired-state', table: [], output: 'text', autoApprove: true, planFile: file, ...connection(), ...extra }, { io, confirmation: unattended, clients, apply: { pollMs: 10, onEvent: (event) => events.push(event) } });
    return run.then((code) => ({ code, io, clients, events }));
  };
  const readPlan = (file: string): SavedPlan => readSavedPlan(JSON.parse(readFileSync(file, 'utf8')), file);

  it('applies exactly the saved actions on the drifted account, converges it, and says where the plan went', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    const file = planFile();
    // Act
    const planned = await savePlan(file);
    const saved = readPlan(file);
    const applied = await applyFile(file);
    // Assess: the file
    expect(planned.code).toBe(2);
    expect(planned.io.stdout()).toContain(`Saved the plan to ${file} (11 actions). To apply exactly these actions: tablewarden apply ${file}`);
    expect(saved).toMatchObject({ apiVersion: SAVED_PLAN_API_VERSION, target: { region: local.region, account: '123456789012' }, scope: {} });
    // Assess: the actions that ran are the saved ones, and every write belongs to one of them
    expect(applied.io.stderr()).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.io.stdout()).toContain(`Applying the plan saved in ${file} at ${saved.createdAt}`);
    const savedActions = saved.plan.tables.flatMap((table) => table.actions);
    const done = applied.events.flatMap((event) => (event.kind === 'done' ? [event.action] : []));
    expect(done.map(actionKey).sort()).toEqual(savedActions.map(actionKey).sort());
    const allowed = new Set(savedActions.flatMap((action) => WRITES_OF[action.type]));
    const writes = applied.clients.calls.writes().map((call) => call.action);
    expect(writes.filter((action) => !allowed.has(action))).toEqual([]);
    expect(writes.filter((action) => action === 'dynamodb:UpdateContinuousBackups')).toHaveLength(savedActions.filter((action) => action.type === 'UpdatePointInTimeRecovery').length);
    // Assess: converged
    const again = await savePlan(planFile());
    expect(again.code).toBe(0);
  });

  it('applies the saved scope only: a change elsewhere after plan -out --table is not applied (no fresh plan)', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    const file = planFile();
    await savePlan(file, { table: ['Customers'] });
    const aws = createClients(local.clientConfig);
    await aws.dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: 'terraform-state-lock', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }));
    // Act
    const applied = await applyFile(file);
    // Assess
    expect(applied.code).toBe(0);
    expect(new Set(applied.events.flatMap((event) => ('action' in event ? [event.action.table] : [])))).toEqual(new Set(['Customers']));
    const lock = await aws.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'terraform-state-lock' }));
    expect(lock.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('DISABLED');
    const customers = await aws.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'Customers' }));
    expect(customers.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('ENABLED');
  });

  it('refuses, before any write, when a planned table changed out of band', async () => {
    // Prepare: terraform-state-lock is planned (its key's rotation); PITR is then switched off behind our back.
    await createDriftedAccount(createClients(local.clientConfig));
    const file = planFile();
    await savePlan(file);
    await createClients(local.clientConfig).dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: 'terraform-state-lock', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }));
    // Act
    const applied = await applyFile(file);
    // Assess
    expect(applied.code).toBe(1);
    expect(applied.io.stderr()).toBe(
      'tablewarden: terraform-state-lock changed since the plan was saved (pointInTimeRecovery.enabled: true → false, pointInTimeRecovery.recoveryPeriodDays: 35 → (none)); nothing was applied; run plan -out again\n',
    );
    expect(applied.clients.calls.writes()).toEqual([]);
  });

  it('refuses, before any AWS call, when desired-state/ was edited since', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    const dir = mkdtempSync(join(tmpdir(), 'tw-saved-desired-'));
    cpSync('desired-state', dir, { recursive: true });
    const file = planFile();
    await savePlan(file, { dir });
    const orders = join(dir, 'tables', 'orders.yaml');
    writeFileSync(orders, readFileSync(orders, 'utf8') + '\n# reviewed? no\n');
    // Act
    const applied = await applyFile(file, { dir });
    // Assess
    expect(applied.code).toBe(1);
    expect(applied.io.stderr()).toMatch(/^tablewarden: desired-state\/ changed since the plan was saved: \S*orders\.yaml edited; run plan -out again\n$/);
    expect(applied.clients.calls.all()).toEqual([]);
  });

  it('refuses a damaged, foreign, newer or missing file, and a plan for another region, before any write', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    const file = planFile();
    await savePlan(file);
    const text = readFileSync(file, 'utf8');
    const tampered = planFile();
    writeFileSync(tampered, text.replace('"enable PITR with a 35-day recovery period"', '"enable PITR with a 1-day recovery period"'));
    const garbage = planFile();
    writeFileSync(garbage, '{"tables": [');
    const newer = planFile();
    writeFileSync(newer, text.replace(SAVED_PLAN_API_VERSION, 'tablewarden.io/saved-plan-v9'));
    // Act
    const results = [await applyFile(tampered), await applyFile(garbage), await applyFile(newer), await applyFile(join(tmpdir(), 'no-such-plan.json'))];
    const otherRegion = captureIo();
    const otherClients = createClients({ ...local.clientConfig, region: 'eu-west-1' });
    const otherCode = await runApply({ dir: 'desired-state', table: [], output: 'text', autoApprove: true, planFile: file, endpointUrl: local.endpoint, region: 'eu-west-1' }, { io: otherRegion, confirmation: unattended, clients: otherClients });
    // Assess
    expect(text).toContain('"enable PITR with a 35-day recovery period"');
    expect(results.map((result) => result.code)).toEqual([1, 1, 1, 1]);
    expect(results.map((result) => result.io.stderr())).toEqual([
      `tablewarden: ${tampered} was changed after it was written (its digest does not match its content); run plan -out again\n`,
      `tablewarden: ${garbage} is not a tablewarden saved plan (not JSON; write one with: tablewarden plan -out ${garbage})\n`,
      `tablewarden: ${newer} was written by a newer tablewarden (tablewarden.io/saved-plan-v9; this one reads ${SAVED_PLAN_API_VERSION}): upgrade tablewarden, or run plan -out again with this one\n`,
      `tablewarden: cannot read the saved plan ${join(tmpdir(), 'no-such-plan.json')}: no such file\n`,
    ]);
    for (const result of results) expect(result.clients.calls.all()).toEqual([]);
    expect(otherCode).toBe(1);
    expect(otherRegion.stderr()).toBe(
      `tablewarden: ${file} was saved for account 123456789012, region ${local.region}, but these credentials and settings are for account 123456789012, region eu-west-1; use the same --profile/--region, or run plan -out again\n`,
    );
    expect(otherClients.calls.writes()).toEqual([]);
  });

  it('the installed command takes terraform\'s spelling: tablewarden plan -out FILE, then tablewarden apply FILE', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    const file = planFile();
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['bin/tablewarden.js', ...args, '--endpoint-url', local.endpoint, '--region', local.region], { env: { ...process.env, NO_COLOR: '1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout + error.stderr }),
      );
    // Act
    const planned = await cli('plan', '-out', file);
    const applied = await cli('apply', file, '--auto-approve');
    // Assess
    expect(planned.code).toBe(2);
    expect(planned.stdout).toContain(`To apply exactly these actions: tablewarden apply ${file}`);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`Applying the plan saved in ${file}`);
    expect(applied.stdout).toMatch(/all 3 managed tables are in sync/);
  });

  it('plan --output sarif -out FILE: stdout is only the SARIF document, the saved-plan note goes to stderr', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    const file = planFile();
    const io = captureIo();
    // Act
    const code = await runPlan({ dir: 'desired-state', table: [], output: 'sarif', out: file, ...connection() }, io);
    // Assess
    expect(code).toBe(2);
    const log = JSON.parse(io.stdout()) as { version: string; runs: Array<{ results: Array<{ ruleId: string; level: string; message: { text: string }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }> };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.results.find((result) => result.ruleId === 'TW-PITR' && result.message.text.startsWith('Customers:'))).toMatchObject({
      level: 'warning',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'desired-state/tables/customers.yaml' } } }],
    });
    expect(io.stderr()).toBe(`\nSaved the plan to ${file} (11 actions). To apply exactly these actions: tablewarden apply ${file}\n`);
    expect(readPlan(file).plan.summary.actions).toBe(11);
  });

  it('refuses a blocked plan and --table with a saved plan', async () => {
    // Prepare: a policy that allows no disruptive table, and an undeclared stream on terraform-state-lock to turn off.
    await createDriftedAccount(createClients(local.clientConfig));
    const dir = mkdtempSync(join(tmpdir(), 'tw-saved-blocked-'));
    cpSync('desired-state', dir, { recursive: true });
    writeFileSync(join(dir, 'policy.yaml'), readFileSync(join(dir, 'policy.yaml'), 'utf8').replace('maxDisruptiveTables: 1', 'maxDisruptiveTables: 0'));
    const { UpdateTableCommand } = await import('@aws-sdk/client-dynamodb');
    await createClients(local.clientConfig).dynamodb.send(new UpdateTableCommand({ TableName: 'terraform-state-lock', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }));
    const file = planFile();
    const planned = await savePlan(file, { dir });
    // Act
    const blocked = await applyFile(file, { dir });
    const scoped = captureIo();
    const scopedCode = await runApply({ dir, table: ['Customers'], output: 'text', autoApprove: true, planFile: file, ...connection() }, { io: scoped, confirmation: unattended, clients: createClients(local.clientConfig) });
    // Assess
    expect(planned.io.stdout()).toContain('It is blocked by the blast-radius guard: apply will refuse it.');
    expect(blocked.code).toBe(1);
    expect(blocked.io.stderr()).toMatch(/^tablewarden: blast-radius guard: .* Nothing was applied\.\n$/);
    expect(blocked.clients.calls.writes()).toEqual([]);
    expect(scopedCode).toBe(1);
    expect(scoped.stderr()).toBe(`tablewarden: --table and --allow-disruptive can't change a saved plan's scope (${file}); run plan -out again with them\n`);
  });
});
