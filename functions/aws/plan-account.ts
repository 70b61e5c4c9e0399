/**
 * @deprecated Moved to functions/run/observe-and-plan.ts (`observeAndPlan`); this re-export keeps callers outside
 * the run layer (bench, local demo) working until they move.
 */
export { observeAndPlan as planAccount, type PlannedAccount, type PlanScope } from '../run/observe-and-plan.ts';
