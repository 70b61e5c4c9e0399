/**
 * `tablewarden report` on the local AWS: the posture from the account now (observe + plan of desired-state/), the
 * last run from reports/latest/report.json in the operator bucket, the latest drills from the state table; and
 * the same without the operator's resources, which the command says.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { S3RunStore } from '../../functions/aws/run-store.ts';
import { runReport, type ReportOptions } from '../../functions/cli/commands/report.ts';
import { drillHistoryItem } from '../../functions/core/drill/record.ts';
import { renderPostureJson } from '../../functions/core/report/render-json.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { createOperatorEnvironment } from '../../local/operator-env.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo } from '../support/capture.ts';
import { knownStatesReport } from '../support/posture-fixtures.ts';

const local = useLocalAws();
const dir = mkdtempSync(join(tmpdir(), 'tw-report-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  await local.reset();
  delete process.env.TABLEWARDEN_BUCKET;
});

const options = (extra: Partial<ReportOptions> = {}): ReportOptions => ({ dir: 'desired-state', table: [], output: 'json', endpointUrl: local.endpoint, region: local.region, ...extra });

describe('tablewarden report', () => {
  it('joins the account now, the last run in the operator bucket and the drill history; exit 2 on drift', async () => {
    // Prepare: the drifted sample account, the operator installed, a last run's report and a drill of Orders on record.
    const clients = createClients(local.clientConfig);
    await createDriftedAccount(clients);
    const environment = await createOperatorEnvironment(local);
    const lastRun = knownStatesReport();
    await new S3RunStore(new S3Client({ ...local.clientConfig, forcePathStyle: true }), environment.BUNDLE_BUCKET).putText('reports/latest/report.json', renderPostureJson(lastRun), 'application/json');
    await clients.dynamodb.send(
      new PutItemCommand({
        TableName: environment.STATE_TABLE,
        Item: drillHistoryItem({ table: 'Orders', verdict: 'failed', reasons: ['2 keys differ'], startedAt: '2026-11-20T10:00:00.000Z', finishedAt: '2026-11-20T10:31:00.000Z', rtoSeconds: 2400, maxRestoreMinutes: 30, counts: {}, dropped: [] }),
      }),
    );
    const io = captureIo();
    const now = new Date();

    // Act
    const code = await runReport(options({ bucket: environment.BUNDLE_BUCKET }), io, now);

    // Assess
    expect(io.stderr()).not.toMatch(/No operator|No run report|Could not read/);
    expect(code).toBe(2);
    const report = JSON.parse(io.stdout());
    expect(report).toMatchObject({ apiVersion: 'tablewarden.io/report/v1', source: { kind: 'account' }, status: 'drift', lastRun: { runId: 'nightly-1', status: 'failed' } });
    expect(report.lastRun.actionsApplied).toEqual(lastRun.actionsApplied);
    expect(report.disagreements).toEqual(lastRun.disagreements);
    expect(report.tables.map((row: { name: string }) => row.name)).toEqual(expect.arrayContaining(['Customers', 'Orders']));
    expect(report.drift.length).toBeGreaterThan(0);
    expect(report.drills).toEqual([
      { table: 'Customers', verdict: 'none', maxRestoreMinutes: 60, reasons: [] },
      { table: 'Orders', verdict: 'failed', when: '2026-11-20T10:31:00.000Z', restoreMinutes: 40, maxRestoreMinutes: 30, overTarget: true, reasons: ['2 keys differ'] },
    ]);
  });

  it('without the operator, renders from the account alone and says so; --output html --out FILE writes the page', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    const io = captureIo();
    const out = join(dir, 'report.html');

    // Act
    const code = await runReport(options({ output: 'html', out }), io, new Date());

    // Assess
    expect(code).toBe(2);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toContain('No operator bucket (--bucket or TABLEWARDEN_BUCKET): the report is from the account alone');
    expect(io.stderr()).toContain('No operator state table (tag tablewarden:role=operator)');
    expect(io.stderr()).toContain(`Wrote the html report to ${out} (drift).`);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('no run found in the operator bucket');
    expect(html).toContain('no drill yet');
  });

  it('a bucket without a report: the account alone, said on stderr; text output', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    const environment = await createOperatorEnvironment(local);
    const io = captureIo();

    // Act
    const code = await runReport(options({ output: 'text', bucket: environment.BUNDLE_BUCKET }), io, new Date());

    // Assess
    expect(code).toBe(2);
    expect(io.stderr()).toContain(`No run report in s3://${environment.BUNDLE_BUCKET}/reports/latest/: the report is from the account alone.`);
    expect(io.stdout()).toMatch(/^tablewarden account: drift;/);
    expect(io.stdout()).toContain('Latest restore drill');
  });
});
