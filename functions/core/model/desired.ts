/**
 * A table's desired state after validation and after the policy baseline has been merged under it.
 */
import type { Baseline, Policy, TableSpec, Waiver } from '../desired/schema.ts';

/** Where a table was declared, for messages and reports. */
export interface SourceRef {
  file: string;
  line: number;
}

/**
 * The merged spec. `keySchema` is absent only for unmanaged tables remediated with the baseline: their shape is
 * whatever exists, and only the baseline's settings are enforced on them.
 */
export type DesiredSpec = Omit<TableSpec, 'keySchema' | 'waivers'> & { keySchema?: TableSpec['keySchema'] };

/** One table the run is responsible for. */
export interface DesiredTable {
  name: string;
  /** True for tables declared in git; false for unmanaged tables that get the account baseline. */
  managed: boolean;
  source?: SourceRef;
  owner?: string;
  spec: DesiredSpec;
  /** Waivers still in force (expired ones are moved to `expiredWaivers` during validation, with a warning). */
  waivers: Waiver[];
  /**
   * Waivers that have expired: the planner ignores them (the control is enforced again), and the posture report
   * lists them as expired, so nobody mistakes a lapsed exception for a live one. Absent when there are none.
   */
  expiredWaivers?: Waiver[];
}

/** Everything the planner needs from git. */
export interface DesiredState {
  policy: Policy;
  tables: DesiredTable[];
  /** Tables whose files did not validate: they are reported as errors and never touched. */
  invalidTables: InvalidTable[];
}

/**
 * A desired-state file that did not validate, and the tables it still claims. A broken file must keep its table
 * out of reach: otherwise the table would look unmanaged and, with `unmanagedTables: remediate`, get the
 * baseline applied over what the file meant to say.
 */
export interface InvalidTable {
  /** The table name when one could be read (the first of `claims.names`). */
  name?: string;
  file: string;
  errors: string[];
  /**
   * What the file points at: every `metadata.name` that could be read (both sides of a merge conflict, say), and
   * the file's stem. Absent on entries built by hand: then only `name` claims.
   */
  claims?: { names: string[]; stem?: string };
}

/**
 * How a file stem is compared with a table name: lowercase letters and digits only, so `orders.yaml`,
 * `Orders.yml` and `or-ders.yaml` all point at table `Orders`. The same rule drives the "file name does not
 * match" warning; for claims it errs towards claiming, the safe side (a claimed table is only left alone).
 */
export function comparableTableName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Does this invalid file claim the table? By an exact readable name, or by its file stem. */
export function claimsTable(invalid: InvalidTable, tableName: string): boolean {
  if (invalid.name === tableName || invalid.claims?.names.includes(tableName)) return true;
  const stem = invalid.claims?.stem;
  return stem !== undefined && comparableTableName(stem) !== '' && comparableTableName(stem) === comparableTableName(tableName);
}

/** The KMS key alias an encryption setting names: only a customer-managed key has one. */
export function customerManagedKeyAlias(encryption: Baseline['encryption']): string | undefined {
  return encryption?.type === 'CUSTOMER_MANAGED' ? encryption.kmsKeyAlias : undefined;
}

/** The baseline as applied to an unmanaged table. */
export function baselineTable(name: string, baseline: Baseline): DesiredTable {
  return { name, managed: false, spec: { ...baseline }, waivers: [] };
}
