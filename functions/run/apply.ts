/**
 * One apply round of one batch: execute the approved plan (runs/<id>/plans/<n>.json), continuing where the
 * previous round stopped (its document, results/<n>/<round-1>.json), never waiting for DynamoDB in the Lambda: a
 * table that is settling, or that just took a change that needs settling, is left for the next round, and the
 * state machine does the waiting (a Wait state costs nothing; a Lambda has a 15-minute ceiling).
 *
 * Each round observes only the tables still open (per-table reads, and their tags refreshed in one
 * tag:GetResources call per 100 tables); the pure decisions (verify the fingerprint, re-plan and re-gate a changed
 * table, pick what runs) are in core/round.ts.
 */
import { applyPlan, type ApplyResult } from '../aws/apply/apply-plan.ts';
import { refreshTableTags } from '../aws/observe.ts';
import type { ObservedAccount } from '../core/model/observed.ts';
import type { PlanDocument, RoundDocument } from './core/documents.ts';
import type { Approval } from './core/gate.ts';
import { runKeys } from './core/keys.ts';
import { mergeRoundResult, pickRoundWork, roundOutcome, startProgress, tablesToObserve } from './core/round.ts';
import { missingArtefact } from './errors.ts';
import type { BatchRef } from './load.ts';
import { observeBatchTables, readBatch } from './plan.ts';
import type { RunDependencies } from './ports.ts';

/** What one round needs. */
export interface ApplyRoundRequest {
  runId: string;
  batch: BatchRef;
  round: number;
  /** The run's settle interval: the shortest wait before the next round. */
  waitSeconds: number;
  /** What the gate approved (a changed table is re-gated against it). */
  approval: Approval;
  now: Date;
}

/** What the state machine needs from a round. */
export interface AppliedRound {
  index: number;
  round: number;
  /** True while some table still has work: the state machine waits `waitSeconds`, then runs another round. */
  pending: boolean;
  waitSeconds: number;
  /** Actions run this round. */
  applied: number;
  /** Tables stopped so far (failed, or changed since approval and refused by the re-gate). */
  failed: number;
  resultKey: string;
  /** This round's apply result (for logs; not returned to the state machine). */
  result: ApplyResult;
  revision: string;
}

const EMPTY_OBSERVATION: ObservedAccount = { tables: {}, allTableNames: [], kmsKeysByAlias: {}, errors: {} };

/** Run one round of one batch and store its document. */
export async function applyBatchRound({ clients, store }: RunDependencies, request: ApplyRoundRequest): Promise<AppliedRound> {
  const { runId, batch, round } = request;
  const planKey = runKeys.plan(runId, batch.index);
  const previousKey = round > 0 ? runKeys.result(runId, batch.index, round - 1) : undefined;
  const [{ document, index }, stored, previous] = await Promise.all([
    readBatch(store, runId, batch),
    store.get(planKey) as Promise<PlanDocument | undefined>,
    previousKey ? (store.get(previousKey) as Promise<RoundDocument | undefined>) : Promise.resolve(undefined),
  ]);
  if (!stored) throw missingArtefact(`the approved plan of batch ${batch.index} of run ${runId}`, planKey);
  if (previousKey && !previous) throw missingArtefact(`round ${round - 1} of batch ${batch.index} of run ${runId}`, previousKey);

  const open = tablesToObserve(previous?.progress ?? startProgress(stored.plan));
  // Fresh tags for the tables about to be checked and changed (one GetResources per 100 ARNs), then per-table reads.
  const observed = open.length === 0 ? EMPTY_OBSERVATION : await observeBatchTables(clients, await refreshTableTags(clients, index, open), document, open);
  const picked = pickRoundWork({ stored, previous, observed, desired: document.desired, approval: request.approval, now: request.now });
  const result = picked.work.tables.length === 0 ? { tables: [] } : await applyPlan(clients, picked.work, document.desired, observed, { settle: 'defer' });
  const progress = mergeRoundResult(picked.progress, result.tables);
  const finishedAt = new Date();
  const outcome = roundOutcome(progress, picked.waiting, finishedAt, request.waitSeconds);
  const resultKey = runKeys.result(runId, batch.index, round);
  const roundDocument: RoundDocument = {
    revision: document.revision,
    round,
    waiting: picked.waiting,
    progress,
    addedDisruptive: picked.addedDisruptive,
    finishedAt: finishedAt.toISOString(),
    waitSeconds: outcome.waitSeconds,
  };
  await store.put(resultKey, roundDocument);
  return {
    index: batch.index,
    round,
    pending: outcome.pending,
    waitSeconds: outcome.waitSeconds,
    applied: result.tables.reduce((sum, table) => sum + table.applied.length, 0),
    failed: outcome.failed,
    resultKey,
    result,
    revision: document.revision,
  };
}
