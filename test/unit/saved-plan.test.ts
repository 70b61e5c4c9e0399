/**
 * The saved plan (`plan -out FILE` / `apply FILE`): its format, what makes a file refused, and the checks against
 * the desired state and the tables. Pure: functions/run/core/saved-plan.ts, and argv normalisation of `-out`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram, normaliseArgv } from '../../functions/cli/main.ts';
import { bundleChecksum } from '../../functions/core/bundle.ts';
import type { SourceFile } from '../../functions/core/desired/parse.ts';
import { fingerprint } from '../../functions/core/plan/fingerprint.ts';
import { plan } from '../../functions/core/plan/planner.ts';
import { fingerprintChange, makePlanDocument } from '../../functions/run/core/plan-document.ts';
import {
  desiredStateChange,
  makeSavedPlan,
  readSavedPlan,
  SAVED_PLAN_API_VERSION,
  savedPlanDigest,
  tablesChangedSinceSaved,
  type SavedPlan,
} from '../../functions/run/core/saved-plan.ts';
import { driftedAccount, NOW, sampleDesiredState } from '../support/scenario.ts';

function sampleFiles(): SourceFile[] {
  const files: SourceFile[] = [{ path: 'desired-state/policy.yaml', text: readFileSync('desired-state/policy.yaml', 'utf8') }];
  for (const name of readdirSync('desired-state/tables').sort()) files.push({ path: join('desired-state/tables', name), text: readFileSync(join('desired-state/tables', name), 'utf8') });
  return files;
}

function savedSample(): SavedPlan {
  const observed = driftedAccount();
  const planned = plan({ desired: sampleDesiredState(), observed, now: NOW });
  return makeSavedPlan({ plan: planned, observed, files: sampleFiles(), dir: 'desired-state', scope: {}, target: { region: 'us-east-1', account: '123456789012' }, now: NOW });
}

/** The file as `plan -out` writes it and `apply FILE` reads it. */
const roundTrip = (saved: unknown): unknown => JSON.parse(JSON.stringify(saved));

/** A change that keeps the digest right (as if someone recomputed it): only the schema can catch it. */
function withDigest(document: Record<string, unknown>): Record<string, unknown> {
  return { ...document, digest: savedPlanDigest(document as unknown as SavedPlan) };
}

describe('saved plan format', () => {
  it('is the workflow PlanDocument plus version, checksum, scope, target and time, and reads back unchanged', () => {
    // Prepare
    const observed = driftedAccount();
    const planned = plan({ desired: sampleDesiredState(), observed, now: NOW });
    // Act
    const saved = savedSample();
    const read = readSavedPlan(roundTrip(saved), 'plan.json');
    // Assess
    expect(read).toEqual(saved);
    expect(saved).toMatchObject({ apiVersion: SAVED_PLAN_API_VERSION, kind: 'SavedPlan', createdAt: NOW.toISOString(), scope: {}, target: { region: 'us-east-1', account: '123456789012' } });
    expect(saved.desiredState.checksum).toBe(bundleChecksum(sampleFiles())); // the published bundle's checksum
    const { revision: _revision, ...document } = makePlanDocument('x', planned, observed);
    expect({ plan: saved.plan, fingerprints: saved.fingerprints }).toEqual(document); // same plan, same fingerprints as the operator stores
    expect(saved.fingerprints.Customers).toBe(fingerprint(observed.tables.Customers));
    expect(saved.plan.summary.actions).toBeGreaterThan(0);
    expect(Object.keys(saved.observed).sort()).toEqual(saved.plan.tables.filter((table) => table.actions.length > 0 || table.pending?.length).map((table) => table.name).sort());
  });

  it.each<[string, unknown, RegExp]>([
    ['a JSON array', [], /^plan\.json is not a tablewarden saved plan \(write one with: tablewarden plan -out plan\.json\)$/],
    ['a bundle', { format: 'tablewarden.io/bundle-v1', files: [] }, /is not a tablewarden saved plan/],
    ['null', null, /is not a tablewarden saved plan/],
    ['another kind', { apiVersion: SAVED_PLAN_API_VERSION, kind: 'Plan' }, /is not a tablewarden saved plan/],
    ['a newer version', { apiVersion: 'tablewarden.io/saved-plan-v2', kind: 'SavedPlan' }, /^plan\.json was written by a newer tablewarden \(tablewarden\.io\/saved-plan-v2; this one reads tablewarden\.io\/saved-plan-v1\): upgrade tablewarden, or run plan -out again with this one$/],
  ])('refuses %s', (_case, value, message) => {
    // Act / Assess
    expect(() => readSavedPlan(value, 'plan.json')).toThrow(message);
  });

  it('refuses a file edited after it was written (an action added, a fingerprint changed)', () => {
    // Prepare
    const saved = roundTrip(savedSample()) as SavedPlan;
    const added = roundTrip(saved) as SavedPlan;
    const orders = added.plan.tables.find((table) => table.name === 'Orders')!;
    orders.actions.push({ type: 'UpdatePointInTimeRecovery', enabled: false, table: 'Orders', control: 'TW-PITR', risk: 'disruptive', reason: 'sneaky' });
    const refingerprinted = roundTrip(saved) as SavedPlan;
    refingerprinted.fingerprints.Orders = '0000000000000000';
    // Act / Assess
    for (const edited of [added, refingerprinted]) {
      expect(() => readSavedPlan(edited, 'plan.json')).toThrow('plan.json was changed after it was written (its digest does not match its content); run plan -out again');
    }
  });

  it('refuses a well-digested file whose content is not a plan apply can run', () => {
    // Prepare
    const saved = roundTrip(savedSample()) as Record<string, unknown> & SavedPlan;
    const deleteTable = roundTrip(saved) as SavedPlan;
    (deleteTable.plan.tables[0]!.actions as unknown[]).push({ type: 'DeleteTable', table: deleteTable.plan.tables[0]!.name, control: 'TW-TABLE-EXISTS', risk: 'disruptive', reason: 'x' });
    const foreign = roundTrip(saved) as SavedPlan;
    const withActions = foreign.plan.tables.find((table) => table.actions.length > 0)!;
    withActions.actions[0] = { ...withActions.actions[0]!, table: 'SomeoneElse' };
    const noFingerprint = roundTrip(saved) as SavedPlan;
    delete noFingerprint.fingerprints[noFingerprint.plan.tables[0]!.name];
    // Act / Assess
    expect(() => readSavedPlan(withDigest(deleteTable as never), 'p.json')).toThrow(/^p\.json is not a valid saved plan: plan\.tables\.0\.actions\.\d+\.type: /);
    expect(() => readSavedPlan(withDigest(foreign as never), 'p.json')).toThrow(`p.json: an action of ${withActions.name} names table SomeoneElse; run plan -out again`);
    expect(() => readSavedPlan(withDigest(noFingerprint as never), 'p.json')).toThrow(/has no fingerprint/);
    expect(() => readSavedPlan(withDigest({ ...saved, createdAt: 'yesterday' }), 'p.json')).toThrow(/^p\.json is not a valid saved plan: createdAt: /);
  });
});

describe('apply FILE checks', () => {
  it('accepts the same desired state, and names the file that changed otherwise', () => {
    // Prepare
    const saved = savedSample();
    const files = sampleFiles();
    const edited = files.map((file) => (file.path.endsWith('orders.yaml') ? { ...file, text: file.text + '\n# edited\n' } : file));
    const added = [...files, { path: 'desired-state/tables/new.yaml', text: 'x' }];
    // Act / Assess
    expect(desiredStateChange(saved, files)).toBeUndefined();
    expect(desiredStateChange(saved, edited)).toBe('desired-state/ changed since the plan was saved: desired-state/tables/orders.yaml edited; run plan -out again');
    expect(desiredStateChange(saved, added)).toBe('desired-state/ changed since the plan was saved: desired-state/tables/new.yaml added; run plan -out again');
    expect(desiredStateChange(saved, files.slice(1))).toBe('desired-state/ changed since the plan was saved: desired-state/policy.yaml removed; run plan -out again');
  });

  it('accepts unchanged tables (settling and new recovery points are no change), refuses a changed one and says what changed', () => {
    // Prepare
    const saved = savedSample();
    const same = driftedAccount();
    const settling = driftedAccount();
    settling.tables.Customers = { ...settling.tables.Customers!, status: 'UPDATING' };
    const changed = driftedAccount();
    changed.tables.Customers = { ...changed.tables.Customers!, deletionProtection: !changed.tables.Customers!.deletionProtection };
    const unreadable = driftedAccount();
    unreadable.errors.Customers = 'AccessDeniedException: no';
    // Act / Assess
    expect(tablesChangedSinceSaved(saved, same)).toEqual([]);
    expect(tablesChangedSinceSaved(saved, settling)).toEqual([]);
    expect(tablesChangedSinceSaved(saved, changed)).toEqual([`Customers changed since the plan was saved (deletionProtection: ${same.tables.Customers!.deletionProtection} → ${!same.tables.Customers!.deletionProtection})`]);
    expect(tablesChangedSinceSaved(saved, unreadable)).toEqual(['Customers could not be observed to check it is unchanged since the plan was saved (AccessDeniedException: no)']);
    expect(fingerprintChange(saved, 'Customers', changed.tables.Customers)).toEqual({ planned: saved.fingerprints.Customers, observed: fingerprint(changed.tables.Customers) });
  });

  it('a table to create that exists now has changed', () => {
    // Prepare
    const saved = savedSample();
    const created = saved.plan.tables.find((table) => table.status === 'create')!;
    const now = driftedAccount();
    now.tables[created.name] = { ...now.tables.Customers!, name: created.name };
    // Act
    const reasons = tablesChangedSinceSaved(saved, now);
    // Assess
    expect(reasons).toEqual([`${created.name} changed since the plan was saved (it exists now)`]);
  });
});

describe('-out, as terraform users type it', () => {
  it.each<[string[], string[]]>([
    [['node', 'tw', 'plan', '-out', 'p.json'], ['node', 'tw', 'plan', '--out', 'p.json']],
    [['node', 'tw', 'plan', '-out=p.json'], ['node', 'tw', 'plan', '--out=p.json']],
    [['node', 'tw', 'plan', '--out', 'p.json', '-v'], ['node', 'tw', 'plan', '--out', 'p.json', '-v']],
    [['node', 'tw', 'seed', '--', '-out'], ['node', 'tw', 'seed', '--', '-out']],
  ])('%j → %j', (argv, expected) => {
    expect(normaliseArgv(argv)).toEqual(expected);
  });

  it('reaches plan as options.out, and apply FILE as its plan file; commander alone would read -out as -o -u -t', async () => {
    // Prepare: the real program, its actions replaced by recorders
    const seen: Record<string, unknown> = {};
    const program = () => {
      const built = buildProgram().exitOverride();
      const plan = built.commands.find((command) => command.name() === 'plan')!;
      plan.exitOverride().configureOutput({ writeErr: () => undefined, outputError: () => undefined });
      plan.action((options: unknown) => void (seen.plan = options));
      built.commands.find((command) => command.name() === 'apply')!.action((file: unknown, options: unknown) => void (seen.apply = { file, options }));
      return built;
    };
    // Act
    await program().parseAsync(normaliseArgv(['node', 'tablewarden', 'plan', '-out', 'reviewed.json', '--output', 'sarif']));
    await program().parseAsync(normaliseArgv(['node', 'tablewarden', 'apply', 'reviewed.json', '--auto-approve']));
    const raw = program().parseAsync(['node', 'tablewarden', 'plan', '-out', 'reviewed.json']);
    // Assess
    expect(seen.plan).toMatchObject({ out: 'reviewed.json', output: 'sarif' });
    expect(seen.apply).toMatchObject({ file: 'reviewed.json', options: { autoApprove: true } });
    await expect(raw).rejects.toThrow(/unknown option '-o'|unknown option/);
  });
});
