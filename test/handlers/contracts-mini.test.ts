/**
 * The handler contracts are written with zod/mini (functions/handlers/contracts.ts) to keep zod's classic API out of
 * the Lambda bundles. These pin what that must not change: defaults, and InvalidEvent messages in English naming each
 * bad field (zod/mini sets no locale by itself; without one every message is a bare "Invalid input").
 */
import { describe, expect, it } from 'vitest';
import { applyBatchEventSchema, gateEventSchema, lockEventSchema, reconcileInputSchema, reportEventSchema } from '../../functions/handlers/contracts.ts';
import { parseEvent } from '../../functions/handlers/runtime.ts';

describe('handler contracts (zod/mini)', () => {
  it('fill in the defaults', () => {
    // Act
    const input = parseEvent(reconcileInputSchema, { trigger: 'manual' }, 'start');
    const lock = parseEvent(lockEventSchema, { action: 'acquire', owner: 'o' }, 'lock');
    const report = parseEvent(reportEventSchema, { runId: 'r', trigger: 't', mode: 'apply', revision: 'v', outcome: 'succeeded' }, 'report');
    // Assess
    expect(input).toEqual({ trigger: 'manual', mode: 'apply', tables: [], revision: 'latest', waitSeconds: 30, allowDisruptive: [] });
    expect(lock).toEqual({ action: 'acquire', owner: 'o', ttlSeconds: 3600 });
    expect(report.batches).toEqual([]);
  });

  it('take at most 25 tables in allowDisruptive (the list stays in the execution state)', () => {
    // Act
    const ok = reconcileInputSchema.safeParse({ trigger: 'manual', allowDisruptive: Array.from({ length: 25 }, (_, i) => `t${i}`) });
    const tooMany = reconcileInputSchema.safeParse({ trigger: 'manual', allowDisruptive: Array.from({ length: 26 }, (_, i) => `t${i}`) });
    // Assess
    expect(ok.success).toBe(true);
    expect(tooMany.success).toBe(false);
  });

  it('name every bad field in English', () => {
    // Act
    const errors = [
      () => parseEvent(lockEventSchema, { action: 'steal', owner: '', ttlSeconds: 59.5 }, 'lock'),
      () => parseEvent(applyBatchEventSchema, { runId: 'r', batch: { index: -1, key: 'k', tables: 1 }, waitSeconds: 3601 }, 'apply-batch'),
      () => parseEvent(gateEventSchema, { runId: 'r', tables: 1, maxDisruptivePercent: 101, plans: [{ actions: 1 }] }, 'gate'),
      () => parseEvent(reconcileInputSchema, null, 'start'),
    ].map((parse) => {
      try {
        parse();
        return undefined;
      } catch (error) {
        return error as Error;
      }
    });
    // Assess
    expect(errors.map((error) => error?.name)).toEqual(['InvalidEvent', 'InvalidEvent', 'InvalidEvent', 'InvalidEvent']);
    expect(errors.map((error) => error?.message)).toEqual([
      'lock: invalid event: action: Invalid option: expected one of "acquire"|"release"; owner: Too small: expected string to have >=1 characters; ttlSeconds: Invalid input: expected int, received number',
      'apply-batch: invalid event: batch.index: Too small: expected number to be >=0; waitSeconds: Too big: expected number to be <=3600; approval: Invalid input: expected object, received undefined',
      'gate: invalid event: maxDisruptivePercent: Too big: expected number to be <=100; maxDisruptiveTables: Invalid input: expected number, received undefined; plans.0.disruptiveTables: Invalid input: expected number, received undefined; plans.0.population: Invalid input: expected number, received undefined',
      'start: invalid event: (event): Invalid input: expected object, received null',
    ]);
  });
});
