/**
 * The synthesized Drill state machine with 20% injected faults (throttling and 5xx) on DynamoDB and AWS Backup: the
 * verdicts are still right, passed for a sound copy and failed for a tampered one. No `tw-drill-*` table is left.
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { runDrillWorkflowLocally } from '../../local/workflow/drill.ts';
import { LEDGER, publishDrillTables, seedTable, useDrillAccount } from './drill-support.ts';

let clients: AwsClients;
// A restore takes 1 s of local-AWS time: drill-start tags the copy at once.
const local = useDrillAccount({ restoreSeconds: 1, onClients: (made) => (clients = made) });

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
