/**
 * The CLI's side of saved plans (`plan -out FILE`, `apply FILE`): writing and reading the file, and the checks
 * `apply FILE` makes before any write. The format and the pure checks are functions/run/core/saved-plan.ts,
 * shared with the operator's stored plans.
 *
 * Order of the checks, cheapest and most certain first: the file (format, version, digest), then the desired
 * state read now (bundle checksum), then where the credentials point (region, account), then each affected
 * table's fingerprint against a fresh observation. Each refusal is one line that says what to do.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { operatorIdentity } from '../aws/apply/kms-keys.ts';
import type { AwsClients } from '../aws/clients.ts';
import type { SourceFile } from '../core/desired/parse.ts';
import type { ObservedAccount } from '../core/model/observed.ts';
import { desiredStateChange, readSavedPlan, SavedPlanRefused, tablesChangedSinceSaved, type SavedPlan } from '../run/core/saved-plan.ts';

export { SavedPlanRefused };

/** Where the clients point: the region they use and the account of the credentials. */
export async function clientTarget(clients: AwsClients): Promise<SavedPlan['target']> {
  const region = await clients.dynamodb.config.region();
  const { accountId } = await operatorIdentity(clients);
  return { region, ...(accountId ? { account: accountId } : {}) };
}

/** Write the saved plan (via a temporary file and a rename: a crash never leaves half a plan). */
export async function writeSavedPlanFile(path: string, saved: SavedPlan): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(saved, null, 2) + '\n', { mode: 0o600 });
  await rename(temporary, path);
}

/** Read and check a saved plan file. @throws SavedPlanRefused (one line: not readable, not a plan, damaged, too new) */
export async function readSavedPlanFile(path: string): Promise<SavedPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SavedPlanRefused(`cannot read the saved plan ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? (error as Error).message)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SavedPlanRefused(`${path} is not a tablewarden saved plan (not JSON; write one with: tablewarden plan -out ${path})`);
  }
  return readSavedPlan(value, path);
}

/** Refuse when desired-state/ read now is not what the plan was saved from. */
export function checkDesiredState(saved: SavedPlan, files: readonly SourceFile[]): void {
  const change = desiredStateChange(saved, files);
  if (change) throw new SavedPlanRefused(change);
}

/** Refuse when the credentials point at another region or account than the plan was saved for. */
export function checkTarget(saved: SavedPlan, path: string, now: SavedPlan['target']): void {
  const where = (target: SavedPlan['target']) => `${target.account ? `account ${target.account}, ` : ''}region ${target.region}`;
  const otherAccount = saved.target.account !== undefined && now.account !== undefined && saved.target.account !== now.account;
  if (saved.target.region !== now.region || otherAccount) {
    throw new SavedPlanRefused(`${path} was saved for ${where(saved.target)}, but these credentials and settings are for ${where(now)}; use the same --profile/--region, or run plan -out again`);
  }
}

/** Refuse when an affected table is not the table it was when the plan was saved. */
export function checkTables(saved: SavedPlan, observed: ObservedAccount): void {
  const changed = tablesChangedSinceSaved(saved, observed);
  if (changed.length === 0) return;
  throw new SavedPlanRefused(`${changed.join('; ')}; nothing was applied; run plan -out again`);
}
