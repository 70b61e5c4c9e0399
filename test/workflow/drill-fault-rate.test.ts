/**
 * The synthesized Drill state machine with 20% injected faults (throttling and 5xx) on DynamoDB and AWS Backup: the
 * verdicts are still right, passed for a sound copy and failed for a tampered one. No `tw-drill-*` table is left.
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { setRestoreSeconds } from '../../local/clock.ts';
import { createOperatorEnvironment } from '../../local/operator-env.ts';
import { prepareLocalDrill, runDrillWorkflowLocally } from '../../local/workflow/drill.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { expectNoDrillTables } from '../support/drill-tables.ts';
import { hostHandlers } from '../support/run-dependencies.ts';
import { LEDGER, publishDrillTables, seedTable } from './drill-support.ts';

const local = useLocalAws();
let clients: AwsClients;

beforeAll(async () => {
  await prepareLocalDrill();
  hostHandlers();
}, 120_000);

beforeEach(async () => {
  await local.reset();
  await createOperatorEnvironment(local);
  clients = createClients(local.clientConfig);
  // A restore takes 1 s of local-AWS time (the timeout test sets its own): drill-start tags the copy at once.
  await setRestoreSeconds(local.endpoint, 1);
});

afterEach(async () => {
  await local.server.clearFaults();
  if (process.env.AWS_MAX_ATTEMPTS !== undefined) {
    vi.unstubAllEnvs();
    hostHandlers();
  }
  await expectNoDrillTables(clients.dynamodb);
});

describe('Drill workflow with 20% injected faults (synthesized ASL, real handlers, local AWS)', () => {
  it('20% injected faults on DynamoDB and AWS Backup still give the right verdicts: passed, and failed for a tampered copy', async () => {
    // Prepare
    await publishDrillTables(local);
    await seedTable(clients, LEDGER, 120, { backup: true });
    const faults = await local.server.setFaults({ rate: 0.2, seed: 2026, kinds: ['throttle', '5xx'], services: ['dynamodb', 'backup'] });
    const tamper = async (handler: string, event: Record<string, unknown>) => {
      if (handler === 'drill-validate') await createClients({ ...local.clientConfig, maxAttempts: 10 }).dynamodb.send(new DeleteItemCommand({ TableName: (event.drill as { copyTable: string }).copyTable, Key: { entryID: { S: 'e-0099' } } }));
    };
    // Act
    const passing = await runDrillWorkflowLocally({ table: LEDGER });
    const tampered = await runDrillWorkflowLocally({ table: LEDGER }, { beforeTask: tamper });
    const stats = await local.server.clearFaults();
    // Assess
    expect(faults.config?.rate).toBe(0.2);
    expect(stats.injected.throttle + stats.injected['5xx']).toBeGreaterThan(10);
    expect(passing.error, passing.cause).toBeUndefined();
    expect(passing.output).toMatchObject({ verdict: 'passed', counts: { copyItems: 120 }, cleanup: { outcome: 'deleted' } });
    expect(tampered.error).toBe('DrillFailed');
    expect(tampered.cause).toContain('missing from the copy: entryID=e-0099');
  }, 50_000);
});
