/**
 * The drill workflows against Step Functions' quotas, with the issue's margin: at most 12,500 history events per
 * execution in the WORST case (half of 25,000) and at most 64 KiB per payload (a quarter of 256 KiB).
 *
 * History: computed from the synthesized ASL with local/workflow/budget.ts. The calculator takes one loop bound for
 * every state and walks every path; the Drill has two loops with different bounds (MAX_CHECK_ROUNDS checks,
 * MAX_CLEANUP_ROUNDS cleanup attempts), and its cleanup loop branches each round (wait, or tag the copy first), so
 * walking 40 rounds of it is exponential. The worst case is computed with every state run at most twice, and the
 * remaining rounds of both loops are added at the cost of their heaviest round read from the ASL: a check round
 * (Wait + CheckRestore with every retry spent + RestoreReady?) and a cleanup round (CleanedUp? + TagDrillCopy +
 * CopyTagged? + WaitBeforeCleanup + CleanupDrill, both tasks with every retry spent). An upper bound.
 *
 * Payload: the synthesized machines run with stand-in handlers that honour the contracts and return their largest
 * results (table names at the longest a drill copy allows, tags at DynamoDB's 128/256 limits; at the schema's limits
 * 100 declared checks with keys at DynamoDB's key size limits, 255-byte names, 2,048 + 1,024-byte values). What
 * bounds the size is the real code's: the target as drill-targets hands it on (stateTarget: the checks move to the run
 * store), and the findings named by keyLabel, drillVerdict, compactReasons and drillDetails from a 10,000-item sample
 * that differs everywhere with every check failed. Every state input and output is measured.
 */
import { describe, expect, it } from 'vitest';
import { drillCheckEventSchema, drillCleanupEventSchema, drillRecordEventSchema, drillStartEventSchema, drillTargetsEventSchema, drillValidateEventSchema } from '../../functions/handlers/drill-contracts.ts';
import { MAX_CHECK_ROUNDS, MAX_CLEANUP_ROUNDS, nextWait } from '../../functions/run/core/drill-wait.ts';
import { MAX_DRILLS_PER_RUN, stateTarget } from '../../functions/run/drill-targets.ts';
import type { DrillTarget } from '../../functions/run/drill.ts';
import { largestPayload, worstCaseHistory } from '../../local/workflow/budget.ts';
import { prepareLocalDrill, type LocalDrillMachines } from '../../local/workflow/drill.ts';
import type { AslState } from '../../local/workflow/asl.ts';
import { keyLabel } from '../../functions/core/drill/checksum.ts';
import { drillDetails } from '../../functions/core/drill/record.ts';
import { compactReasons, drillVerdict } from '../../functions/core/drill/verdict.ts';
import type { KeySchema } from '../../functions/core/model/observed.ts';
import { runStateMachine, type LocalLambdaHandler } from '../../local/workflow/run.ts';

const EVENT_BUDGET = 12_500;
const PAYLOAD_BUDGET = 64 * 1024;

/** The longest table name a drill copy leaves room for (255 - `tw-drill-` - `-YYYYMMDDTHHMMSSZ`). */
const NAME = 'T'.repeat(255 - 'tw-drill-'.length - '-20261201T000000Z'.length);
const COPY = `tw-drill-${NAME}-20261201T000000Z`;
const text = (length: number, fill = 'x') => fill.repeat(length);

/** Events of a Task with every retry spent: entered + 3 per attempt + exited. */
function taskEvents(states: Record<string, AslState>, name: string): number {
  const task = states[name] as AslState & { Retry?: Array<{ MaxAttempts?: number }> };
  const attempts = 1 + (task.Retry ?? []).reduce((sum, retrier) => sum + (retrier.MaxAttempts ?? 3), 0);
  return 1 + 3 * attempts + 1;
}

/** Events of one check round, from the ASL: Wait (2) + CheckRestore with every retry spent + Choice (2). */
function checkRoundEvents(states: Record<string, AslState>): number {
  return 2 + taskEvents(states, 'CheckRestore') + 2;
}

/** Events of the heaviest cleanup round: CleanedUp? (2) + TagDrillCopy + CopyTagged? (2) + WaitBeforeCleanup (2) + CleanupDrill. */
function cleanupRoundEvents(states: Record<string, AslState>): number {
  return 2 + taskEvents(states, 'TagDrillCopy') + 2 + 2 + taskEvents(states, 'CleanupDrill');
}

describe('Drill: worst-case history', () => {
  it(`stays within ${EVENT_BUDGET} events with ${MAX_CHECK_ROUNDS} checks and ${MAX_CLEANUP_ROUNDS} cleanup rounds, every retry spent`, async () => {
    // Prepare
    const { drill } = await prepareLocalDrill();
    // Act: every state at most twice, then the rounds of both loops beyond that at their heaviest.
    const twice = worstCaseHistory(drill.definition, { loopIterations: 2 });
    const perCheckRound = checkRoundEvents(drill.definition.States);
    const perCleanupRound = cleanupRoundEvents(drill.definition.States);
    const worst = twice.events + (MAX_CHECK_ROUNDS + 1 - 2) * perCheckRound + (MAX_CLEANUP_ROUNDS + 1 - 2) * perCleanupRound;
    // Assess
    expect(perCheckRound).toBe(2 + (1 + 3 * 7 + 1) + 2);
    expect(perCleanupRound).toBeGreaterThan(2 + (1 + 3 * 7 + 1) + 2 + 2 + (1 + 3 * 7 + 1));
    expect(twice.path).toContain('CheckRestore');
    expect(twice.path).toContain('TagDrillCopy');
    expect(twice.path).toContain('CleanupDrill');
    expect(worst).toBeLessThanOrEqual(EVENT_BUDGET);
    console.info(`Drill: worst-case history ${worst} events (${twice.events} with every state at most twice, ${perCheckRound} per check round, ${perCleanupRound} per cleanup round)`);
  }, 120_000);

  it('the check rounds bound covers the longest deadline the schema allows (24 h budget, 48 h wait) at the capped backoff', () => {
    // Act: the waits of a 1,440-minute drill until 48 hours have passed.
    let wait = nextWait(undefined, 1_440, 'check');
    let waited = 15;
    let rounds = 1;
    while (waited < 48 * 3600) {
      waited += wait.seconds;
      wait = nextWait(wait, 1_440, 'check');
      rounds += 1;
    }
    // Assess
    expect(rounds).toBeLessThan(MAX_CHECK_ROUNDS);
  });
});

describe('DrillSchedule: worst-case history', () => {
  it(`stays within ${EVENT_BUDGET} events with ${MAX_DRILLS_PER_RUN} tables, every child failing and caught`, async () => {
    // Prepare
    const { schedule } = await prepareLocalDrill();
    // Act
    const budget = worstCaseHistory(schedule.definition, { mapItems: { DrillEachTable: MAX_DRILLS_PER_RUN } });
    // Assess
    expect(budget.events).toBeLessThanOrEqual(EVENT_BUDGET);
  }, 120_000);
});

/**
 * How big the declared table is. `large`: a large table in practice (20 checks, 20 tags, 5 indexes). `caps`: every
 * list at its schema cap (100 checks, 50 tags at DynamoDB's 128/256 limits, 20 indexes).
 */
type Size = 'large' | 'caps';
const SIZES: Record<Size, { checks: number; tags: number; tagKey: number; tagValue: number; indexes: number; waivers: number; keyName: number; partitionValue: number; sortValue: number }> = {
  large: { checks: 20, tags: 20, tagKey: 64, tagValue: 128, indexes: 5, waivers: 2, keyName: 64, partitionValue: 64, sortValue: 64 },
  // DynamoDB's key limits: attribute names 255 bytes, partition key values 2,048 bytes, sort key values 1,024 bytes.
  caps: { checks: 100, tags: 50, tagKey: 128, tagValue: 256, indexes: 20, waivers: 10, keyName: 255, partitionValue: 2_048, sortValue: 1_024 },
};
let size: Size = 'large';

/** The largest target of its {@link size}: the longest name, 64-character key names and values. */
function largestTarget(): Record<string, unknown> {
  const sized = SIZES[size];
  return {
    table: {
      name: NAME,
      managed: true,
      waivers: Array.from({ length: sized.waivers }, () => ({ control: 'TW-PITR', reason: text(500), owner: text(64), expires: '2030-01-01' })),
      spec: {
        keySchema: { partitionKey: { name: text(sized.keyName, 'p'), type: 'S' }, sortKey: { name: text(sized.keyName, 's'), type: 'S' } },
        tags: Object.fromEntries(Array.from({ length: sized.tags }, (_, index) => [`${index}${text(sized.tagKey - 3)}`, text(sized.tagValue)])),
        globalSecondaryIndexes: Array.from({ length: sized.indexes }, (_, index) => ({
          indexName: `${index}${text(200)}`,
          partitionKey: { name: text(255), type: 'S' },
          projection: { type: 'INCLUDE', nonKeyAttributes: Array.from({ length: 5 }, () => text(64)) },
        })),
        encryption: { type: 'CUSTOMER_MANAGED', kmsKeyAlias: `alias/${text(250)}` },
        restoreDrill: {
          schedule: 'daily',
          source: 'aws-backup',
          maxRestoreMinutes: 1_440,
          sampleSize: 10_000,
          maxChangedPercent: 0,
          checks: Array.from({ length: sized.checks }, (_, index) => ({ key: { [text(sized.keyName, 'p')]: `${index}${text(sized.partitionValue - 4)}`, [text(sized.keyName, 's')]: text(sized.sortValue) }, expect: 'present' })),
        },
      },
    },
    policy: { baseline: { tags: Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`${index}${text(60)}`, text(100)])) }, backupPlans: Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`${index}${text(60)}`, { schedule: 'cron(0 3 * * ? *)', retentionDays: 35, vault: text(50) }])) },
  };
}

/**
 * The validation's findings at their worst, named by the real code (keyLabel, drillVerdict, compactReasons,
 * drillDetails): every sampled key of a 10,000-item sample in every list, every declared check failed, keys at the
 * {@link size}'s key sizes.
 */
function worstValidation(): Record<string, unknown> {
  const sized = SIZES[size];
  const keySchema: KeySchema = { partitionKey: { name: text(sized.keyName, 'p'), type: 'S' }, sortKey: { name: text(sized.keyName, 's'), type: 'S' } };
  const label = (index: number) => keyLabel({ [keySchema.partitionKey.name]: { S: `${index}${text(sized.partitionValue - 6)}` }, [keySchema.sortKey!.name]: { S: text(sized.sortValue) } }, keySchema);
  const labels = Array.from({ length: 10_000 }, (_, index) => label(index));
  const comparison = { compared: 10_000, matched: 0, changed: labels, missingInCopy: labels, missingInSource: labels, unreadable: labels, changedPercent: 100 };
  const checks = Array.from({ length: sized.checks }, (_, index) => ({ key: label(index), expect: 'present' as const, found: 'unreadable' as const, passed: false }));
  const shape = Array.from({ length: 40 }, () => `GSI ${text(255)} differs: source ${text(600)}, copy ${text(600)}`);
  const expectedSse = { type: 'CUSTOMER_MANAGED' as const, kmsKeyArn: `arn:aws:kms:us-east-1:123456789012:key/${text(36)}` };
  const verdict = drillVerdict({ shape, comparison, maxChangedPercent: 0, checks, rtoSeconds: 99_999, maxRestoreMinutes: 1 });
  return {
    passed: false,
    reasons: compactReasons(verdict.reasons),
    counts: { copyItems: 9e15, sourceItemsApproximate: 9e15, compared: 10_000, matched: 0, changed: 10_000, missingInCopy: 10_000, missingInSource: 10_000, unreadable: 10_000, changedPercent: 100, checks: 100, checksFailed: 100 },
    dropped: Array.from({ length: 16 }, () => ({ control: 'TW-CONTRIBUTOR-INSIGHTS', action: 'UpdateContributorInsights', risk: 'disruptive', reason: text(300), pending: true })),
    details: drillDetails({ shape, expectedSse, comparison, checks }),
  };
}

/** A drill state at its caps: the worst validation ({@link worstValidation}), 16 dropped settings. */
function largestDrill(restore: 'restoring' | 'active', validated = restore === 'active'): Record<string, unknown> {
  const drill: Record<string, unknown> = {
    table: NAME,
    sourceKind: 'aws-backup',
    startedAt: '2026-12-01T00:00:00.000Z',
    maxRestoreMinutes: 1_440,
    deadline: '2026-12-03T00:00:00.000Z',
    restore,
    restoreDetail: text(300),
    source: { kind: 'aws-backup', recoveryPointArn: `arn:aws:backup:us-east-1:123456789012:recovery-point:${text(36)}`, vaultName: text(50), createdAt: '2026-11-30T03:00:00.000Z' },
    copyTable: COPY,
    copyArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${COPY}`,
    restoreJobId: text(36),
    tagged: true,
    lockOwner: COPY,
    expectedSse: { type: 'CUSTOMER_MANAGED', kmsKeyArn: `arn:aws:kms:us-east-1:123456789012:key/${text(36)}` },
    activeAt: '2026-12-01T01:00:00.000Z',
    rtoSeconds: 3_600,
  };
  if (!validated) return drill;
  return { ...drill, validation: worstValidation() };
}

/** Stand-ins for the drill handlers: each parses its event with its contract and returns its largest result. */
function standIns(options: { targetFails?: boolean } = {}): Record<string, LocalLambdaHandler> {
  const wait = { seconds: 600, round: 1, cleanupRounds: 0 };
  return {
    'drill-targets': (event) => {
      const request = drillTargetsEventSchema.parse(event);
      if (request.action === 'list') return { revision: text(40, 'f'), cadence: request.cadence, tables: Array.from({ length: MAX_DRILLS_PER_RUN }, (_, index) => `${NAME.slice(0, -3)}${String(index).padStart(3, '0')}`), skipped: 99_999 };
      if (options.targetFails) throw Object.assign(new Error(`${request.table} is not declared in revision ${text(40, 'f')}: nothing to drill`), { name: 'UnknownTable' });
      // As the real handler: the declared checks go to the run store (here in memory), the reference travels.
      return stateTarget({ put: async () => undefined }, largestTarget() as unknown as DrillTarget);
    },
    'drill-start': (event) => (drillStartEventSchema.parse(event), largestDrill('restoring')),
    'drill-check': (event) => (drillCheckEventSchema.parse(event), { drill: largestDrill('active', false), wait }),
    'drill-validate': (event) => (drillValidateEventSchema.parse(event), largestDrill('active')),
    'drill-cleanup': (event) => {
      const request = drillCleanupEventSchema.parse(event);
      if (request.action === 'sweep') return { deleted: 99_999, left: 99_999, tables: Array.from({ length: 20 }, () => COPY) };
      return { drill: { ...largestDrill('active'), cleanup: { outcome: 'deleted', reason: `deleted ${COPY}` } }, wait: { ...wait, cleanupRounds: 1 } };
    },
    'drill-record': (event) => {
      const { table } = drillRecordEventSchema.parse(event);
      const drill = largestDrill('active') as { validation: Record<string, unknown> };
      return {
        table,
        verdict: 'failed',
        reasons: [text(300), `drill step failed: Error: ${text(1_000)}`, ...(drill.validation.reasons as string[]), `cleanup: ${text(300)}`],
        startedAt: '2026-12-01T00:00:00.000Z',
        finishedAt: '2026-12-01T02:00:00.000Z',
        source: { kind: 'aws-backup', id: `arn:aws:backup:us-east-1:123456789012:recovery-point:${text(36)}` },
        copyTable: COPY,
        rtoSeconds: 3_600,
        maxRestoreMinutes: 1_440,
        counts: drill.validation.counts,
        dropped: drill.validation.dropped,
        details: drill.validation.details,
        cleanup: { outcome: 'deleted', reason: `deleted ${COPY}` },
        awsBackupValidation: `not sent: ${text(300)}`,
        summary: text(2_000),
      };
    },
  };
}

function lambdasOf(machines: LocalDrillMachines, handlers: Record<string, LocalLambdaHandler>): Record<string, LocalLambdaHandler> {
  return Object.fromEntries(Object.entries(machines.handlers).map(([logicalId, handler]) => [logicalId, handlers[handler]!]));
}

describe('payloads', () => {
  it.each<[Size, number]>([
    ['large', PAYLOAD_BUDGET],
    // At the schema's limits: 100 checks whose keys are at DynamoDB's key size limits, every list full.
    ['caps', PAYLOAD_BUDGET],
  ])('Drill (%s table): every state input and output stays within %i bytes', async (scenario, budget) => {
    // Prepare
    size = scenario;
    const machines = await prepareLocalDrill();
    // Act
    const run = await runStateMachine({ ...machines.drill, stateMachines: machines.stateMachines, input: { table: NAME, revision: text(40, 'f'), source: 'aws-backup' }, lambdas: lambdasOf(machines, standIns()), overrides: { waits: 'skip', retryIntervals: 0 } });
    const largest = largestPayload(run.events);
    // Assess: the stand-ins' verdict is failed, so the whole path ran (start, check, validate, cleanup, record).
    expect(run.error).toBe('DrillFailed');
    expect(largest.bytes, largest.where).toBeLessThanOrEqual(budget);
    console.info(`Drill (${scenario}): largest payload ${largest.bytes} bytes at ${largest.where}`);
  }, 120_000);

  it(`DrillSchedule: the list of ${MAX_DRILLS_PER_RUN} tables and their verdicts stay within ${PAYLOAD_BUDGET} bytes`, async () => {
    // Prepare: every child fails before it starts (the longest verdict the parent keeps: DrillNotStarted).
    const machines = await prepareLocalDrill();
    // Act
    const run = await runStateMachine({ ...machines.schedule, stateMachines: machines.stateMachines, input: { cadence: 'monthly' }, lambdas: lambdasOf(machines, standIns({ targetFails: true })), overrides: { waits: 'skip', retryIntervals: 0 } });
    const largest = largestPayload(run.events);
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.childExecutions).toHaveLength(MAX_DRILLS_PER_RUN);
    expect((run.output as { drills: Array<{ verdict: string }> }).drills.every((drill) => drill.verdict === 'DrillNotStarted')).toBe(true);
    expect(largest.bytes, largest.where).toBeLessThanOrEqual(PAYLOAD_BUDGET);
  }, 120_000);
});
