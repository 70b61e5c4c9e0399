/**
 * The synthesized Drill state machine under faults (local AWS, real handlers): a restore slower than its deadline
 * ends failed with the copy cleaned up; cleanup meets throttling on DeleteTable and still deletes the copy; a handler
 * that fails with throttling is retried by the machine (20% injected faults: drill-fault-rate.test.ts). Every test
 * asserts that no `tw-drill-*` table is left.
 */
import { describe, expect, it, vi } from 'vitest';
import { type AwsClients } from '../../functions/aws/clients.ts';
import { setRestoreSeconds } from '../../local/clock.ts';
import { runDrillWorkflowLocally } from '../../local/workflow/drill.ts';
import { handlerCallRecorders, hostHandlers } from '../support/run-dependencies.ts';
import { LEDGER, publishDrillTables, seedTable, useDrillAccount } from './drill-support.ts';

let clients: AwsClients;
// A restore takes 1 s of local-AWS time (the timeout test sets its own): drill-start tags the copy at once.
const local = useDrillAccount({ restoreSeconds: 1, onClients: (made) => (clients = made) });

const tasks = (run: { events: Array<{ type: string; state?: string }> }) => run.events.filter((event) => event.type === 'TaskStateEntered').map((event) => String(event.state));

describe('Drill workflow under faults (synthesized ASL, real handlers, local AWS)', () => {
  it('a restore slower than its deadline ends failed ("timed out"), and cleanup waits for the copy and deletes it', async () => {
    // Prepare: maxRestoreMinutes 1, so the deadline is 10 minutes (the minimum); the restore takes 30 minutes.
    await publishDrillTables(local, 1);
    await seedTable(clients, LEDGER, 30, { backup: true });
    await setRestoreSeconds(local.endpoint, 1_800);
    // Act
    const run = await runDrillWorkflowLocally({ table: LEDGER });
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DrillFailed');
    expect(run.cause).toMatch(/^drill of Ledger failed: timed out: tw-drill-Ledger-\d{8}T\d{6}Z was not ready by /);
    const states = tasks(run);
    expect(states.filter((state) => state === 'CheckRestore').length).toBeGreaterThan(5);
    expect(states).not.toContain('ValidateDrill');
    // The copy was still CREATING at the deadline: cleanup came back after waits until DynamoDB could delete it.
    expect(states.filter((state) => state === 'CleanupDrill').length).toBeGreaterThan(1);
    expect(states.at(-1)).toBe('RecordDrill');
    // The copy could not be tagged while CREATING: the checks tried; once it was ACTIVE, cleanup reported it untagged,
    // drill-check's role tagged it (TagDrillCopy), and cleanup deleted it. The cleanup role never tags.
    expect(states.filter((state) => state === 'TagDrillCopy').length).toBeGreaterThanOrEqual(1);
    expect(states.slice(-3)).toEqual(['TagDrillCopy', 'CleanupDrill', 'RecordDrill']);
    expect(handlerCallRecorders.get('drill-check')?.all().some((call) => call.iamActions.includes('dynamodb:TagResource'))).toBe(true);
    expect(handlerCallRecorders.get('drill-cleanup')?.all().flatMap((call) => call.iamActions)).not.toContain('dynamodb:TagResource');
    expect(handlerCallRecorders.get('drill-cleanup')?.all().flatMap((call) => call.iamActions)).toContain('dynamodb:DeleteTable');
  }, 50_000);

  it('cleanup meets throttling on DeleteTable and still deletes the copy', async () => {
    // Prepare: two SDK attempts per call, and most DeleteTable calls throttled: the step's own retries carry it.
    await publishDrillTables(local);
    await seedTable(clients, LEDGER, 40, { backup: true });
    vi.stubEnv('AWS_MAX_ATTEMPTS', '2');
    hostHandlers();
    await local.server.setFaults({ rate: 0.7, seed: 11, kinds: ['throttle'], services: ['dynamodb'], operations: ['DeleteTable'] });
    // Act
    const run = await runDrillWorkflowLocally({ table: LEDGER });
    const stats = await local.server.clearFaults();
    // Assess
    expect(run.error, run.cause).toBeUndefined();
    expect(run.output).toMatchObject({ verdict: 'passed', cleanup: { outcome: 'deleted' } });
    expect(stats.injected.throttle).toBeGreaterThan(0);
  });

  it('a cleanup that fails with throttling is retried by the state machine, and the copy is deleted', async () => {
    // Prepare: the runner's hook makes the first cleanup invocation fail as a throttled handler would.
    await publishDrillTables(local);
    await seedTable(clients, LEDGER, 20, { backup: true });
    let cleanups = 0;
    const throttleOnce = (handler: string) => {
      if (handler === 'drill-cleanup' && ++cleanups === 1) throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException' });
    };
    // Act
    const run = await runDrillWorkflowLocally({ table: LEDGER }, { beforeTask: throttleOnce });
    // Assess
    expect(run.error, run.cause).toBeUndefined();
    expect(run.events.filter((event) => event.type === 'StateRetried' && event.state === 'CleanupDrill')).toHaveLength(1);
    expect(run.output).toMatchObject({ verdict: 'passed', cleanup: { outcome: 'deleted' } });
  });
});
