/**
 * The posture matrix of a plan for the terminal (the demo prints it before and after an apply): the posture report's
 * own text renderer (functions/core/report/render-text.ts) on a report built from the plan alone, so the terminal,
 * `tablewarden report` and the report files share one renderer.
 */
import type { Plan } from '../core/model/plan.ts';
import { buildPostureReport } from '../core/report/posture.ts';
import { renderPostureMatrix } from '../core/report/render-text.ts';
import { painter } from './render-plan.ts';

/** Render the findings of a plan as a matrix: controls are columns, labelled by their short name; a legend below. */
export function renderPostureTable(plan: Plan, options: { color: boolean; now?: Date }): string {
  const report = buildPostureReport({ now: options.now ?? new Date(), plans: plan.tables, desired: [] });
  return renderPostureMatrix(report, painter(options.color));
}
