/**
 * The posture report as JSON: the document the report step stores as `report.json` and `tablewarden report --output
 * json` prints. Stable: versioned by `apiVersion` (posture.ts POSTURE_API_VERSION), keys in the order the builder
 * writes them, lists sorted by table, so two reports of the same posture are byte for byte equal. Pure.
 */
import type { PostureReport } from './posture.ts';

/** Render the report as pretty-printed JSON (one trailing newline). */
export function renderPostureJson(report: PostureReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
