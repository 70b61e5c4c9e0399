/**
 * The saved plan: Terraform's `plan -out` + `apply PLANFILE` for tablewarden, and the one plan type the CLI and the
 * operator share.
 *
 * The workflow stores each batch's approved plan as a {@link PlanDocument} (the plan and each table's observed
 * fingerprint) and executes exactly that, checking every table's fingerprint before its first action
 * (round.ts). The CLI's saved plan IS that document plus what a file that travels between a pull request and a
 * later `apply FILE` needs: a version, the checksum of the desired state it was planned from (the published
 * bundle's checksum, {@link bundleChecksum}), the scope, the region and account, and when. The fingerprint
 * functions are plan-document.ts's, the ones the workflow's plan step and rounds use.
 *
 * The differences in policy are deliberate. The operator re-plans and re-gates a table that changed since
 * approval (nobody is there to ask). `apply FILE` refuses instead: a person reviewed exactly these actions, so
 * anything else needs a new review (`plan -out` again).
 *
 * A saved plan carries a sha256 digest of its own content: an edited or truncated file is refused. The digest is
 * unkeyed, so it catches accidents, not an attacker who can write the file (keep plan files where CI artefacts
 * are kept; apply re-checks the desired state and the account before any write either way). Pure: no AWS SDK.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { bundleChecksum } from '../../core/bundle.ts';
import type { SourceFile } from '../../core/desired/parse.ts';
import type { ObservedAccount } from '../../core/model/observed.ts';
import type { Plan } from '../../core/model/plan.ts';
import { canonicalJson, fingerprintedView } from '../../core/plan/fingerprint.ts';
import type { PlanDocument } from './documents.ts';
import { fingerprintChange, isAffected, makePlanDocument } from './plan-document.ts';

/** The saved-plan format this version writes and reads. A later, incompatible format gets a higher number. */
export const SAVED_PLAN_API_VERSION = 'tablewarden.io/saved-plan-v1';
const API_VERSION_PATTERN = /^tablewarden\.io\/saved-plan-v(\d+)$/;
const SUPPORTED_VERSION = 1;

/** The CLI's saved plan: the workflow's {@link PlanDocument} plus what `apply FILE` checks before any write. */
export interface SavedPlan extends PlanDocument {
  apiVersion: typeof SAVED_PLAN_API_VERSION;
  kind: 'SavedPlan';
  /** When the plan was made (ISO-8601). */
  createdAt: string;
  /** The desired state it was planned from: the bundle checksum over every file, and each file's own sha256. */
  desiredState: { dir: string; checksum: string; files: Record<string, string> };
  /** `--table` and `--allow-disruptive` of the plan: apply uses exactly these. */
  scope: { tables?: string[]; allowDisruptive?: string[] };
  /** Where it was planned. */
  target: { region: string; account?: string };
  /**
   * What each affected table looked like (the fingerprinted view), so a refusal can say what changed, not only
   * that something did. The fingerprints stay the authority.
   */
  observed: Record<string, unknown>;
  /** sha256 over the canonical JSON of everything else: an edited file is refused. */
  digest: string;
}

/** What {@link makeSavedPlan} needs. */
export interface SavedPlanInput {
  plan: Plan;
  observed: ObservedAccount;
  files: readonly SourceFile[];
  dir: string;
  scope: SavedPlan['scope'];
  target: SavedPlan['target'];
  now: Date;
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function fileDigests(files: readonly SourceFile[]): Record<string, string> {
  return Object.fromEntries([...files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((file) => [file.path, sha256(file.text)]));
}

/** The digest a saved plan carries: over every field but itself. */
export function savedPlanDigest(document: Omit<SavedPlan, 'digest'> & { digest?: string }): string {
  const { digest: _digest, ...content } = document;
  return sha256(canonicalJson(content));
}

/** Build the saved plan (pure; the CLI writes it as JSON). */
export function makeSavedPlan(input: SavedPlanInput): SavedPlan {
  const checksum = bundleChecksum(input.files);
  const affected = input.plan.tables.filter(isAffected);
  const content: Omit<SavedPlan, 'digest'> = {
    apiVersion: SAVED_PLAN_API_VERSION,
    kind: 'SavedPlan',
    createdAt: input.now.toISOString(),
    ...makePlanDocument(checksum, input.plan, input.observed),
    desiredState: { dir: input.dir, checksum, files: fileDigests(input.files) },
    scope: input.scope,
    target: input.target,
    observed: Object.fromEntries(
      affected.map((table) => {
        const current = input.observed.tables[table.name];
        return [table.name, current ? fingerprintedView(current) : null];
      }),
    ),
  };
  return { ...content, digest: savedPlanDigest(content) };
}

/** A file that can't be applied as a saved plan (not one, damaged, too new). Nothing was called. */
export class SavedPlanRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SavedPlanRefused';
  }
}

const actionTypes = [
  'CreateKmsKey', 'UpdateKmsKeyRotation', 'CreateTable', 'UpdateSse', 'UpdatePointInTimeRecovery', 'UpdateDeletionProtection', 'TagResource',
  'UpdateTimeToLive', 'UpdateStream', 'UpdateContributorInsights', 'UpdateBilling', 'UpdateTableClass', 'DeleteGlobalSecondaryIndex',
  'CreateGlobalSecondaryIndex', 'UpdateGlobalSecondaryIndex', 'AddToBackupPlan', 'StartBackupJob',
] as const;

// The envelope is checked field by field; the plan's shape as far as apply relies on it (the digest covers the rest).
const actionSchema = z.looseObject({ type: z.enum(actionTypes), table: z.string().min(1), control: z.string().regex(/^TW-[A-Z-]+$/), risk: z.enum(['safe', 'disruptive']), reason: z.string() });
const tablePlanSchema = z.looseObject({
  name: z.string().min(1),
  managed: z.boolean(),
  status: z.enum(['create', 'update', 'in-sync', 'refused', 'error', 'unmanaged']),
  findings: z.array(z.looseObject({ control: z.string(), status: z.enum(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'WAIVED']), reason: z.string() })),
  actions: z.array(actionSchema),
  refusals: z.array(z.looseObject({ control: z.string(), reason: z.string() })),
  pending: z.array(z.looseObject({ control: z.string(), description: z.string(), action: z.looseObject({ type: z.enum(actionTypes) }), waitsFor: z.string() })).optional(),
});
const savedPlanSchema = z.object({
  apiVersion: z.literal(SAVED_PLAN_API_VERSION),
  kind: z.literal('SavedPlan'),
  createdAt: z.iso.datetime(),
  revision: z.string().min(1),
  plan: z.looseObject({
    tables: z.array(tablePlanSchema),
    blocked: z.object({ reason: z.string() }).optional(),
    allowDisruptive: z.array(z.string()).optional(),
    summary: z.looseObject({ actions: z.number().int().nonnegative() }),
  }),
  fingerprints: z.record(z.string(), z.string()),
  desiredState: z.object({ dir: z.string(), checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/), files: z.record(z.string(), z.string()) }),
  scope: z.object({ tables: z.array(z.string()).optional(), allowDisruptive: z.array(z.string()).optional() }),
  target: z.object({ region: z.string().min(1), account: z.string().optional() }),
  observed: z.record(z.string(), z.unknown()),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});

/**
 * Read a saved plan from its parsed JSON: the format and version, the fields, the digest, and that every action
 * belongs to a planned table with a fingerprint. `where` names the file in messages.
 * @throws SavedPlanRefused with a one-line reason
 */
export function readSavedPlan(value: unknown, where: string): SavedPlan {
  const head = (value ?? {}) as { apiVersion?: unknown; kind?: unknown };
  if (typeof value !== 'object' || value === null || Array.isArray(value) || head.kind !== 'SavedPlan' || typeof head.apiVersion !== 'string' || !API_VERSION_PATTERN.test(head.apiVersion)) {
    throw new SavedPlanRefused(`${where} is not a tablewarden saved plan (write one with: tablewarden plan -out ${where})`);
  }
  const version = Number(API_VERSION_PATTERN.exec(head.apiVersion)![1]);
  if (version > SUPPORTED_VERSION) {
    throw new SavedPlanRefused(`${where} was written by a newer tablewarden (${head.apiVersion}; this one reads ${SAVED_PLAN_API_VERSION}): upgrade tablewarden, or run plan -out again with this one`);
  }
  const parsed = savedPlanSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SavedPlanRefused(`${where} is not a valid saved plan: ${issue.path.join('.') || '(document)'}: ${issue.message}`);
  }
  const document = parsed.data as unknown as SavedPlan;
  if (savedPlanDigest(document) !== document.digest) {
    throw new SavedPlanRefused(`${where} was changed after it was written (its digest does not match its content); run plan -out again`);
  }
  for (const table of document.plan.tables) {
    if (document.fingerprints[table.name] === undefined) throw new SavedPlanRefused(`${where}: table ${table.name} has no fingerprint; run plan -out again`);
    // Every action, key actions included, carries the table it was planned for.
    const stray = table.actions.find((action) => action.table !== table.name);
    if (stray) throw new SavedPlanRefused(`${where}: an action of ${table.name} names table ${stray.table}; run plan -out again`);
  }
  return document;
}

/** Which desired-state files differ: `tables/orders.yaml edited`, `… added`, `… removed`. */
export function changedFiles(saved: SavedPlan, files: readonly SourceFile[]): string[] {
  const now = fileDigests(files);
  const changes: string[] = [];
  for (const [path, digest] of Object.entries(now)) {
    const before = saved.desiredState.files[path];
    if (before === undefined) changes.push(`${path} added`);
    else if (before !== digest) changes.push(`${path} edited`);
  }
  for (const path of Object.keys(saved.desiredState.files)) if (now[path] === undefined) changes.push(`${path} removed`);
  return changes;
}

/**
 * Why the desired state read now is not the one the plan was saved from; undefined when it is the same (the
 * bundle checksum is the authority; the per-file digests only name what changed).
 */
export function desiredStateChange(saved: SavedPlan, files: readonly SourceFile[]): string | undefined {
  const checksum = bundleChecksum(files);
  if (checksum === saved.desiredState.checksum) return undefined;
  const changes = changedFiles(saved, files);
  const what = changes.length > 0 ? changes.slice(0, 5).join(', ') + (changes.length > 5 ? `, and ${changes.length - 5} more` : '') : `checksum ${checksum}, saved ${saved.desiredState.checksum}`;
  return `desired-state/ changed since the plan was saved: ${what}; run plan -out again`;
}

/** Leaf paths of a JSON value: `pointInTimeRecovery.enabled` → `true`. */
function leaves(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) out.set(prefix || '(table)', Array.isArray(value) ? '[]' : '{}');
    for (const [key, item] of entries) leaves(item, prefix ? (Array.isArray(value) ? `${prefix}[${key}]` : `${prefix}.${key}`) : key, out);
  } else if (value !== undefined) out.set(prefix || '(table)', JSON.stringify(value));
  return out;
}

/** What differs between two fingerprinted views, in a few words: `pointInTimeRecovery.enabled: true → false`. */
export function describeViewChange(before: unknown, after: unknown): string {
  if (before === null || before === undefined) return after === null || after === undefined ? 'changed' : 'it exists now';
  if (after === null || after === undefined) return 'it no longer exists';
  const a = leaves(before, '', new Map());
  const b = leaves(after, '', new Map());
  const changes: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(key) !== b.get(key)) changes.push(`${key}: ${a.get(key) ?? '(none)'} → ${b.get(key) ?? '(none)'}`);
  }
  if (changes.length === 0) return 'changed';
  return changes.slice(0, 3).join(', ') + (changes.length > 3 ? `, and ${changes.length - 3} more` : '');
}

/**
 * The affected tables that are not the tables the plan was made from, each with a one-line reason; empty when
 * the plan may run. A table that can't be observed now counts as changed (nothing is applied to an unknown).
 */
export function tablesChangedSinceSaved(saved: SavedPlan, observed: ObservedAccount): string[] {
  const reasons: string[] = [];
  for (const table of saved.plan.tables.filter(isAffected)) {
    const error = observed.errors[table.name];
    if (error !== undefined) {
      reasons.push(`${table.name} could not be observed to check it is unchanged since the plan was saved (${error})`);
      continue;
    }
    const current = observed.tables[table.name];
    if (fingerprintChange(saved, table.name, current) === undefined) continue;
    const view = current ? fingerprintedView(current) : null;
    reasons.push(`${table.name} changed since the plan was saved (${describeViewChange(saved.observed[table.name], view)})`);
  }
  return reasons;
}
