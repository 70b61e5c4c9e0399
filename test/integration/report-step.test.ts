/**
 * The report step on the local AWS: from a run's documents in the bucket and the drill history in the state table to
 * report.json / report.md / report.html under reports/<runId>/ and reports/latest/ (with their Content-Types), and a
 * short SNS summary only when something failed or drifted.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { drillHistoryItem } from '../../functions/core/drill/record.ts';
import type { AccountIndex } from '../../functions/core/model/observed.ts';
import type { TablePlan } from '../../functions/core/model/plan.ts';
import type { BatchDocument, PlanDocument, RoundDocument } from '../../functions/run/core/documents.ts';
import { runKeys } from '../../functions/run/core/keys.ts';
import { dependenciesFromEnvironment, S3_RUN_STORE, type Notifier } from '../../functions/run/ports.ts';
import { reportRun } from '../../functions/run/report.ts';
import { DYNAMODB_CLIENT } from '../../functions/aws/clients.ts';
import { createOperatorEnvironment } from '../../local/operator-env.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { knownStatesInput, REPORT_NOW } from '../support/posture-fixtures.ts';

const local = useLocalAws();

beforeEach(async () => {
  await local.reset();
  await createOperatorEnvironment(local);
});

const RUN = 'nightly-1';
const arn = (table: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${table}`;

/** A notifier that keeps what it was asked to send (the SNS port; the message is what the test checks). */
function capturingNotifier(): Notifier & { sent: Array<{ subject: string; message: string }> } {
  const sent: Array<{ subject: string; message: string }> = [];
  return { sent, notify: async (subject, message) => (sent.push({ subject, message }), true) };
}

/** Write a one-batch run's documents (plan, last round, batch, account index) as the earlier steps would. */
async function writeRun(plans: TablePlan[], progress: RoundDocument['progress']): Promise<ReturnType<typeof dependenciesFromEnvironment>> {
  const deps = dependenciesFromEnvironment({ clients: [DYNAMODB_CLIENT], store: S3_RUN_STORE });
  const input = knownStatesInput();
  const batch: BatchDocument = { revision: 'abc123', desired: { policy: {} as BatchDocument['desired']['policy'], tables: input.desired as BatchDocument['desired']['tables'], invalidTables: [] }, unmanaged: [] };
  const plan: PlanDocument = { revision: 'abc123', plan: { tables: plans, summary: { create: 0, update: 0, inSync: 0, refused: 0, error: 0, unmanaged: 0, actions: 0, disruptiveActions: 0 } }, fingerprints: {} };
  const round: RoundDocument = { revision: 'abc123', round: 0, waiting: [], progress, addedDisruptive: 0 };
  const index = {
    observedAt: REPORT_NOW.toISOString(),
    tableNames: plans.map((table) => table.name),
    tableArns: Object.fromEntries(plans.map((table) => [table.name, arn(table.name)])),
    tags: {},
    kmsKeysByAlias: {},
    backup: { selections: [], lastBackupByArn: { [arn('Ledger')]: new Date(REPORT_NOW.getTime() - 30 * 3_600_000).toISOString() } },
  } satisfies AccountIndex;
  await Promise.all([
    deps.store.put(runKeys.batch(RUN, 0), batch),
    deps.store.put(runKeys.plan(RUN, 0), plan),
    deps.store.put(runKeys.result(RUN, 0, 0), round),
    deps.store.put(runKeys.index(RUN), index),
  ]);
  return deps;
}

async function object(key: string): Promise<{ body: string; contentType: string | undefined }> {
  const s3 = new S3Client({ ...local.clientConfig, forcePathStyle: true });
  const response = await s3.send(new GetObjectCommand({ Bucket: process.env.BUNDLE_BUCKET!, Key: key }));
  return { body: await response.Body!.transformToString('utf8'), contentType: response.ContentType };
}

describe('report step: the posture report after a run', () => {
  it('writes report.json, .md and .html under reports/<runId>/ and reports/latest/, with drills from the state table, and notifies a short summary', async () => {
    // Prepare: the known-states run (Orders fixed, Ledger's fix failed, Legacy refused), and a drill on record for Orders.
    const input = knownStatesInput();
    const [orders, ledger] = [input.plans.find((table) => table.name === 'Orders <x>')!, input.plans.find((table) => table.name === 'Ledger')!];
    const deps = await writeRun([...input.plans], {
      'Orders <x>': { remaining: [], pending: [], applied: 1, verified: true },
      Ledger: { remaining: [...ledger.actions], pending: [], applied: 0, verified: true, failure: { reason: 'ApplyFailed', message: 'AccessDenied', action: ledger.actions[0]! } },
    });
    await deps.clients.dynamodb.send(
      new PutItemCommand({
        TableName: process.env.STATE_TABLE!,
        Item: drillHistoryItem({ table: 'Orders <x>', verdict: 'passed', reasons: [], startedAt: '2026-11-26T10:00:00.000Z', finishedAt: '2026-11-26T10:40:00.000Z', rtoSeconds: 1500, maxRestoreMinutes: 30, counts: {}, dropped: [] }),
      }),
    );
    const notifier = capturingNotifier();

    // Act
    const written = await reportRun({ ...deps, notifier }, { runId: RUN, trigger: 'schedule', mode: 'apply', revision: 'abc123', outcome: 'succeeded', failedBatches: [], disagreements: [...input.disagreements!], now: REPORT_NOW });

    // Assess: the files, in both places, with their Content-Types.
    const bucket = process.env.BUNDLE_BUCKET!;
    expect(written.postureLocation).toBe(`s3://${bucket}/reports/${RUN}/`);
    for (const prefix of [`reports/${RUN}/`, 'reports/latest/']) {
      expect((await object(`${prefix}report.json`)).contentType).toBe('application/json');
      expect((await object(`${prefix}report.md`)).contentType).toBe('text/markdown; charset=utf-8');
      expect((await object(`${prefix}report.html`)).contentType).toBe('text/html; charset=utf-8');
    }
    const json = JSON.parse((await object('reports/latest/report.json')).body);
    expect(json).toMatchObject({ apiVersion: 'tablewarden.io/report/v1', status: 'failed', source: { kind: 'run', runId: RUN } });
    const cell = (table: string, control: string) => json.tables.find((row: { name: string }) => row.name === table).cells.find((entry: { control: string }) => entry.control === control).state;
    expect([cell('Orders <x>', 'TW-PITR'), cell('Ledger', 'TW-DELETION-PROTECTION'), cell('Ledger', 'TW-TAGS'), cell('Legacy', 'TW-GSI')]).toEqual(['FIXED', 'FAILED', 'NON_COMPLIANT', 'REFUSED']);
    expect(json.actionsApplied).toEqual([{ table: 'Orders <x>', control: 'TW-PITR', type: orders.actions[0]!.type, risk: 'safe', reason: 'fix TW-PITR on Orders <x>' }]);
    expect(json.drills).toEqual([
      { table: 'Ledger', verdict: 'none', maxRestoreMinutes: 30, reasons: [] },
      { table: 'Orders <x>', verdict: 'passed', when: '2026-11-26T10:40:00.000Z', restoreMinutes: 25, maxRestoreMinutes: 30, overTarget: false, reasons: [] },
    ]);
    expect(json.backups.find((backup: { table: string }) => backup.table === 'Ledger')).toMatchObject({ ageHours: 30, state: 'stale' });
    expect(json.disagreements).toHaveLength(1);
    expect((await object(`reports/${RUN}/report.html`)).body).toContain('data-control="TW-PITR" data-state="FIXED"');
    // The run document points at the report and keeps the Config disagreements.
    expect(await deps.store.get(runKeys.report(RUN))).toMatchObject({ posture: `s3://${bucket}/reports/${RUN}/`, config: { disagreements: input.disagreements } });
    // One short notification: counts, the failed tables with why, the report's address.
    expect(notifier.sent).toHaveLength(1);
    expect(notifier.sent[0]!.subject).toBe('tablewarden apply failed: 3 failed, 0 drifted');
    expect(notifier.sent[0]!.message).toContain('failed tables: 3; drifted tables: 0; Config disagreements: 1; stale backups: 3');
    expect(notifier.sent[0]!.message).toContain('  Ledger: failed — ApplyFailed: AccessDenied');
    expect(notifier.sent[0]!.message).toContain(`report: s3://${bucket}/reports/${RUN}/report.html`);
  });

  it('an in-sync run still writes the report, and notifies nobody', async () => {
    // Prepare
    const input = knownStatesInput();
    const customers = input.plans.find((table) => table.name === 'Customers')!;
    const deps = await writeRun([customers], {});
    const notifier = capturingNotifier();

    // Act
    const written = await reportRun({ ...deps, notifier }, { runId: RUN, trigger: 'schedule', mode: 'apply', revision: 'abc123', outcome: 'succeeded', failedBatches: [], now: REPORT_NOW });

    // Assess
    expect(written.status).toBe('in-sync');
    expect(notifier.sent).toEqual([]);
    expect(JSON.parse((await object('reports/latest/report.json')).body)).toMatchObject({ status: 'in-sync', waivers: [{ state: 'active' }, { state: 'expired', control: 'TW-SSE' }] });
  });
});
