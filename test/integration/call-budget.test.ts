/**
 * The call budget of a converged account (issue 8): ≤ 4 AWS reads and 0 writes per table at 1,000 tables, account-level
 * calls amortised, for the CLI (observeAccount + plan) and for the operator (the account index read once, then
 * observeTables per batch of 50). Call counts are deterministic, so this is a test, not a benchmark.
 *
 * The account is converged by the product itself (test/support/converged-account.ts, shared with `npm run bench`):
 * the plan of an empty account is applied by `applyPlan`, exactly as `tablewarden apply` does, and a plan of the
 * result must have zero actions. Set TW_CALL_BUDGET_TABLES to try another size.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { observeAccount, observeAccountIndex, observeTables, refreshTableTags } from '../../functions/aws/observe.ts';
import type { AccountIndex } from '../../functions/core/model/observed.ts';
import type { DesiredState } from '../../functions/core/model/desired.ts';
import type { Plan } from '../../functions/core/model/plan.ts';
import { observeRequestFor } from '../../functions/core/plan/observe-request.ts';
import { plan } from '../../functions/core/plan/planner.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { convergeAccount, convergedDesiredState } from '../support/converged-account.ts';

const local = useLocalAws();
const TABLES = Number(process.env['TW_CALL_BUDGET_TABLES'] ?? 1000);
const BATCH_SIZE = 50;
const BUDGET_PER_TABLE = 4;

/** Reads and writes one path made, per table. */
interface Figures {
  reads: number;
  writes: number;
  readsPerTable: number;
  byAction: Record<string, number>;
}

function figures(clients: AwsClients, tables: number): Figures {
  const calls = clients.calls.all();
  const reads = calls.filter((call) => !call.write).length;
  return { reads, writes: calls.length - reads, readsPerTable: reads / tables, byAction: clients.calls.byAction() };
}

const actionsOf = (planned: Plan) => planned.tables.flatMap((table) => table.actions.map((action) => `${table.name} ${action.control} ${action.type}`));

/** The CLI: observe everything (index and tables together) and plan. */
async function cliPlan(clients: AwsClients, desired: DesiredState, now: Date): Promise<Plan> {
  const observed = await observeAccount(clients, observeRequestFor(desired));
  return plan({ desired, observed, now });
}

/** The operator: the index read once (and stored as JSON), then each batch observes only its own tables. */
async function operatorPlans(clients: AwsClients, desired: DesiredState, now: Date): Promise<{ plans: Plan[]; indexCalls: number }> {
  const names = desired.tables.map((table) => table.name);
  const stored = JSON.stringify(await observeAccountIndex(clients, observeRequestFor(desired)));
  const indexCalls = clients.calls.count();
  const plans: Plan[] = [];
  for (let start = 0; start < names.length; start += BATCH_SIZE) {
    const batch = names.slice(start, start + BATCH_SIZE);
    const elsewhere = names.filter((name) => !batch.includes(name));
    // Each batch reads the index back from the store, as a Lambda would.
    const index = JSON.parse(stored) as AccountIndex;
    const observed = await observeTables(clients, index, observeRequestFor(desired, batch, elsewhere));
    plans.push(plan({ desired, observed, now, only: batch, unmanaged: { declaredElsewhere: elsewhere } }));
  }
  return { plans, indexCalls };
}

describe(`call budget of a converged account of ${TABLES} tables`, () => {
  const now = new Date();
  let desired: DesiredState;

  beforeAll(async () => {
    // Prepare: an empty account, converged by the product's own plan and apply.
    await local.reset();
    desired = convergedDesiredState(TABLES, now);
    await convergeAccount(createClients(local.clientConfig), desired, now);
  }, 240_000);

  it('CLI: observe + plan reads at most 4 times per table and writes nothing', async () => {
    // Prepare
    const clients = createClients(local.clientConfig);
    // Act
    const planned = await cliPlan(clients, desired, now);
    // Assess
    const cli = figures(clients, TABLES);
    process.stdout.write(`call budget, CLI, ${TABLES} converged tables: ${cli.reads} reads (${cli.readsPerTable.toFixed(3)} per table), ${cli.writes} writes ${JSON.stringify(cli.byAction)}\n`);
    expect(actionsOf(planned)).toEqual([]);
    expect(planned.summary.inSync).toBe(TABLES);
    expect(cli.writes).toBe(0);
    expect(cli.readsPerTable).toBeLessThanOrEqual(BUDGET_PER_TABLE);
  }, 120_000);

  it('operator: the index once, then observeTables per batch of 50, reads at most 4 times per table and writes nothing', async () => {
    // Prepare
    const clients = createClients(local.clientConfig);
    // Act
    const { plans, indexCalls } = await operatorPlans(clients, desired, now);
    // Assess
    const operator = figures(clients, TABLES);
    process.stdout.write(
      `call budget, operator (index once: ${indexCalls} calls, + ${plans.length} batches of ${BATCH_SIZE}), ${TABLES} converged tables: ${operator.reads} reads (${operator.readsPerTable.toFixed(3)} per table), ${operator.writes} writes ${JSON.stringify(operator.byAction)}\n`,
    );
    expect(plans.flatMap(actionsOf)).toEqual([]);
    expect(plans.reduce((sum, planned) => sum + planned.summary.inSync, 0)).toBe(TABLES);
    expect(operator.writes).toBe(0);
    expect(operator.readsPerTable).toBeLessThanOrEqual(BUDGET_PER_TABLE);
    // Batches make only per-table calls: the account-level reads happen once, in the index.
    const batchActions = new Set(clients.calls.all().slice(indexCalls).map((call) => call.action));
    expect([...batchActions].sort()).toEqual(['dynamodb:DescribeContinuousBackups', 'dynamodb:DescribeTable']);
  }, 120_000);

  it('operator apply round: each batch refreshes its tags by ARN list and observes its own tables, still ≤ 4 reads per table', async () => {
    // Prepare: the index as the load step stored it.
    const stored = JSON.stringify(await observeAccountIndex(createClients(local.clientConfig), observeRequestFor(desired)));
    const names = desired.tables.map((table) => table.name);
    const clients = createClients(local.clientConfig);
    // Act: one round over every batch (apply changed tags, so each batch re-reads its own).
    let inSync = 0;
    for (let start = 0; start < names.length; start += BATCH_SIZE) {
      const batch = names.slice(start, start + BATCH_SIZE);
      const elsewhere = names.filter((name) => !batch.includes(name));
      const index = await refreshTableTags(clients, JSON.parse(stored) as AccountIndex, batch);
      const observed = await observeTables(clients, index, observeRequestFor(desired, batch, elsewhere));
      inSync += plan({ desired, observed, now, only: batch, unmanaged: { declaredElsewhere: elsewhere } }).summary.inSync;
    }
    // Assess
    const round = figures(clients, TABLES);
    process.stdout.write(`call budget, operator apply round (refreshTableTags + observeTables per batch of ${BATCH_SIZE}), ${TABLES} tables: ${round.reads} reads (${round.readsPerTable.toFixed(3)} per table) ${JSON.stringify(round.byAction)}\n`);
    expect(inSync).toBe(TABLES);
    expect(round.writes).toBe(0);
    expect(round.byAction['tag:GetResources']).toBe(Math.ceil(TABLES / BATCH_SIZE));
    expect(round.readsPerTable).toBeLessThanOrEqual(BUDGET_PER_TABLE);
  }, 120_000);
});
