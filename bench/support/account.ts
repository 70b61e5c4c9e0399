/**
 * What a converged account costs to plan against the local AWS, for `npm run bench`: AWS calls per table for the CLI
 * and for the operator, and the CLI plan's wall time next to the local AWS's own roof.
 *
 * - CLI: `observeAndPlan` (functions/run/observe-and-plan.ts: observeAccount, i.e. the account index and every
 *   table's reads together, + plan), as `tablewarden plan`.
 * - Operator: the account index read once (the load step), stored as JSON, then per batch of 50 (dealt by the run
 *   layer's `splitIntoBatches`) the run layer's `planBatch` (observeTables on the batch's own tables + plan + store).
 * - Roof: the same number of calls the CLI plan made, all DescribeTable, in a tight loop with the same concurrency
 *   (the observer's default), through the same client factory. It is what the local AWS answers at best, so the ratio
 *   measures what the product adds on top (waiting on account-level reads, the planner, scheduling gaps).
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createClients, type AwsClients, type AwsConnection } from '../../functions/aws/clients.ts';
import { DEFAULT_OBSERVE_CONCURRENCY, observeAccountIndex } from '../../functions/aws/observe.ts';
import type { DesiredState } from '../../functions/core/model/desired.ts';
import type { Plan } from '../../functions/core/model/plan.ts';
import { observeRequestFor } from '../../functions/core/plan/observe-request.ts';
import { splitIntoBatches } from '../../functions/run/core/batches.ts';
import { DEFAULT_BATCH_SIZE } from '../../functions/run/core/input.ts';
import { runKeys } from '../../functions/run/core/keys.ts';
import { observeAndPlan } from '../../functions/run/observe-and-plan.ts';
import { planBatch } from '../../functions/run/plan.ts';
import type { RunDependencies, RunStore } from '../../functions/run/ports.ts';
import { timed } from './stats.ts';

/** Concurrency of both the CLI's table reads and the roof loop. */
export const ROOF_CONCURRENCY = DEFAULT_OBSERVE_CONCURRENCY;

/** Batch size of the operator (the run layer's default). */
export const OPERATOR_BATCH_SIZE = DEFAULT_BATCH_SIZE;

/** The calls one path made. */
export interface CallCount {
  reads: number;
  writes: number;
  /** Calls by IAM action. */
  byAction: Record<string, number>;
  /** Account-level reads (the index); the rest are per-table. */
  accountLevelReads: number;
}

function count(clients: AwsClients, accountLevelReads: number): CallCount {
  const calls = clients.calls.all();
  const reads = calls.filter((call) => !call.write).length;
  return { reads, writes: calls.length - reads, byAction: clients.calls.byAction(), accountLevelReads };
}

/** Per-table actions (everything else the observer calls is account-level). */
const PER_TABLE_ACTIONS = new Set(['dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:DescribeTimeToLive', 'dynamodb:DescribeContributorInsights']);

function actionsOf(planned: Plan): string[] {
  return planned.tables.flatMap((table) => table.actions.map((action) => `${table.name} ${action.control} ${action.type}`));
}

/** Refuses to report figures of an account that is not converged: they would not be what the issue asks for. */
function assertConverged(plans: Plan[], tables: number, who: string): void {
  const left = plans.flatMap(actionsOf);
  const inSync = plans.reduce((sum, planned) => sum + planned.summary.inSync, 0);
  if (left.length > 0 || inSync !== tables) throw new Error(`${who}: the account is not converged (${inSync}/${tables} in sync; ${left.slice(0, 3).join(', ')})`);
}

/** One CLI plan: the run layer's `observeAndPlan` (observeAccount + plan), as `tablewarden plan`, timed, with its calls. */
export async function cliPlan(connection: AwsConnection, desired: DesiredState, now: Date): Promise<{ ms: number; calls: CallCount }> {
  const clients = createClients(connection);
  const { result, ms } = await timed(async () => (await observeAndPlan(clients, desired, { now })).plan);
  assertConverged([result], desired.tables.length, 'CLI plan');
  const calls = count(clients, clients.calls.all().filter((call) => !call.write && !PER_TABLE_ACTIONS.has(call.action)).length);
  return { ms, calls };
}

/** The run store as JSON documents in memory: what S3 does for the run, minus the network (S3 calls are not counted). */
class MemoryRunStore implements RunStore {
  private readonly documents = new Map<string, string>();
  async get(key: string): Promise<unknown> {
    const text = this.documents.get(key);
    return text === undefined ? undefined : JSON.parse(text);
  }
  async put(key: string, value: unknown): Promise<void> {
    this.documents.set(key, JSON.stringify(value));
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.documents.keys()].filter((key) => key.startsWith(prefix)).sort();
  }
  where(key: string): string {
    return `memory://${key}`;
  }
}

/**
 * One operator plan phase, through the run layer: the account index read once and stored (as load-desired-state
 * does, functions/run/load.ts, minus reading and authenticating the bundle), the tables dealt into batches by
 * `splitIntoBatches`, then `planBatch` (functions/run/plan.ts, the plan-batch step) for each batch, one after another.
 * Account-level reads are those of the index.
 */
export async function operatorPlan(connection: AwsConnection, desired: DesiredState, now: Date): Promise<{ ms: number; calls: CallCount; batches: number }> {
  const clients = createClients(connection);
  const store = new MemoryRunStore();
  const dependencies: RunDependencies = { clients, store, notifier: { notify: async () => false }, workflows: { start: async () => { throw new Error('the plan phase starts no workflow'); } }, stateTable: 'bench-not-used' };
  const runId = 'bench';
  const { result, ms } = await timed(async () => {
    const index = await observeAccountIndex(clients, { kmsAliases: observeRequestFor(desired).kmsAliases });
    const accountLevelReads = clients.calls.count();
    await store.put(runKeys.index(runId), index);
    const split = splitIntoBatches({ revision: runId, desired, requested: [], tableNames: index.tableNames, tags: index.tags, batchSize: OPERATOR_BATCH_SIZE });
    const plans: Plan[] = [];
    for (const [position, document] of split.batches.entries()) {
      const batch = { index: position, key: runKeys.batch(runId, position), tables: document.desired.tables.length + document.unmanaged.length };
      await store.put(batch.key, document);
      plans.push((await planBatch(dependencies, { runId, batch, now })).plan);
    }
    return { plans, accountLevelReads };
  });
  assertConverged(result.plans, desired.tables.length, 'operator plan');
  return { ms, calls: count(clients, result.accountLevelReads), batches: result.plans.length };
}

/** The roof: `calls` DescribeTable calls over the account's tables, `ROOF_CONCURRENCY` at a time, timed. */
export async function roof(connection: AwsConnection, tableNames: readonly string[], calls: number): Promise<{ ms: number }> {
  const clients = createClients(connection);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      const TableName = tableNames[next % tableNames.length]!;
      next += 1;
      await clients.dynamodb.send(new DescribeTableCommand({ TableName }));
    }
  };
  const { ms } = await timed(() => Promise.all(Array.from({ length: ROOF_CONCURRENCY }, worker)));
  if (clients.calls.count() !== calls) throw new Error(`roof made ${clients.calls.count()} calls, not ${calls}`);
  return { ms };
}
