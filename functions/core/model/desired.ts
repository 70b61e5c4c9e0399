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
  /** Waivers still in force (expired ones are dropped during validation, with a warning). */
  waivers: Waiver[];
}

/** Everything the planner needs from git. */
export interface DesiredState {
  policy: Policy;
  tables: DesiredTable[];
  /** Tables whose files did not validate: they are reported as errors and never touched. */
  invalidTables: Array<{ name?: string; file: string; errors: string[] }>;
}

/** The baseline as applied to an unmanaged table. */
export function baselineTable(name: string, baseline: Baseline): DesiredTable {
  return { name, managed: false, spec: { ...baseline }, waivers: [] };
}
