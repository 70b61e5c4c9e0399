/**
 * Where a run's artefacts live in the run store (S3 in Lambda, memory in tests). Step Functions passes only these
 * keys and small counts between states, never the documents (payloads stay far below the 256 KiB quota).
 */

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Keys of one run's artefacts: `runs/<runId>/…`. */
export const runKeys = {
  /** The account index read once at load (AccountIndex). */
  index: (runId: string) => `runs/${runId}/index.json`,
  batch: (runId: string, index: number) => `runs/${runId}/batches/${pad(index, 5)}.json`,
  plan: (runId: string, index: number) => `runs/${runId}/plans/${pad(index, 5)}.json`,
  /** One apply round of one batch; each round's document carries the batch's progress so far. */
  result: (runId: string, index: number, round: number) => `runs/${runId}/results/${pad(index, 5)}/${pad(round, 3)}.json`,
  report: (runId: string) => `runs/${runId}/report.json`,
  /** The nightly sweep's AWS Config findings (functions/run/config-sweep.ts; ConfigFindings). */
  configFindings: (runId: string) => `runs/${runId}/config/findings.json`,
  prefix: (runId: string, kind: 'plans' | 'results') => `runs/${runId}/${kind}/`,
};

/** The batch index and round of a result key (undefined for any other key). */
export function parseResultKey(key: string): { index: number; round: number } | undefined {
  const match = /\/results\/(\d+)\/(\d+)\.json$/.exec(key);
  return match ? { index: Number(match[1]), round: Number(match[2]) } : undefined;
}

/**
 * Keys of one Seed execution's artefacts: `runs/seed/<execution name>/…` (under `runs/`, so the same lifecycle rule
 * expires them and the same grants cover them). Each part of a seed rewrites both: a resumed part re-reads the file
 * from byte 0, so its report and rejection list cover the whole file read so far.
 */
export const seedRunKeys = {
  report: (executionName: string) => `runs/seed/${executionName}/report.json`,
  /** Every rejected record, one JSON object a line (index, line, offset, reason). */
  rejections: (executionName: string) => `runs/seed/${executionName}/rejections.jsonl`,
};
