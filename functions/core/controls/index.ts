/**
 * The registry of controls, in evaluation order. Reports, the planner and the IAM policy generator all read it.
 */
import type { ControlId } from '../model/plan.ts';
import { backupCoverageControl } from './backup-coverage.ts';
import { billingControl } from './billing.ts';
import type { Control } from './control.ts';
import { contributorInsightsControl } from './contributor-insights.ts';
import { deletionProtectionControl } from './deletion-protection.ts';
import { gsiControl } from './gsi.ts';
import { kmsRotationControl } from './kms-rotation.ts';
import { pitrControl } from './pitr.ts';
import { sseControl } from './sse.ts';
import { streamControl } from './stream.ts';
import { tableClassControl } from './table-class.ts';
import { tableExistsControl } from './table-exists.ts';
import { tagsControl } from './tags.ts';
import { ttlControl } from './ttl.ts';

/** Every control, in the order findings are reported. */
export const CONTROLS: readonly Control[] = [
  tableExistsControl,
  sseControl,
  kmsRotationControl,
  pitrControl,
  deletionProtectionControl,
  backupCoverageControl,
  tagsControl,
  ttlControl,
  streamControl,
  billingControl,
  tableClassControl,
  contributorInsightsControl,
  gsiControl,
];

/** All control ids. */
export const CONTROL_IDS: readonly ControlId[] = CONTROLS.map((control) => control.id);

/** Controls that a waiver may not switch off: without them there is no table to talk about. */
export const UNWAIVABLE_CONTROLS: ReadonlySet<ControlId> = new Set<ControlId>(['TW-TABLE-EXISTS']);

/** Look a control up by id. */
export function controlById(id: ControlId): Control {
  const control = CONTROLS.find((candidate) => candidate.id === id);
  if (!control) throw new Error(`unknown control ${id}`);
  return control;
}
