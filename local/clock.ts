/**
 * The local AWS's clock (local/strict/clock.py): real time plus an offset that only moves forward. Rules with a
 * time window read it, so a test steps over "one UpdateTimeToLive per table per hour" instead of waiting.
 */

/** The path of the clock API on the local AWS endpoint. */
export const CLOCK_PATH = '/tablewarden/clock';

/** Moves the emulator's clock forward by `seconds`; resolves with the emulator's time after the move. */
export async function advanceClock(endpoint: string, seconds: number): Promise<Date> {
  const response = await fetch(`${endpoint}${CLOCK_PATH}`, {
    method: 'POST',
    body: JSON.stringify({ advanceSeconds: seconds }),
    headers: { 'content-type': 'application/json' },
  });
  const body = (await response.json()) as { now?: string; message?: string };
  if (!response.ok || !body.now) throw new Error(`local AWS: POST ${CLOCK_PATH} failed: ${body.message ?? `HTTP ${response.status}`}`);
  return new Date(body.now);
}

/** The path of the restore-delay setting on the local AWS endpoint (local/strict/restore.py). */
export const RESTORE_SETTINGS_PATH = '/tablewarden/restore';

/**
 * Sets how long (emulator seconds) a restored table stays CREATING and an AWS Backup restore job runs, until the
 * next `/moto-api/reset`; without it the server uses `TABLEWARDEN_RESTORE_SECONDS` (default 5). A test sets a long
 * delay and steps over it with {@link advanceClock}, so it sees every state without waiting.
 */
export async function setRestoreSeconds(endpoint: string, seconds: number): Promise<void> {
  const response = await fetch(`${endpoint}${RESTORE_SETTINGS_PATH}`, {
    method: 'POST',
    body: JSON.stringify({ seconds }),
    headers: { 'content-type': 'application/json' },
  });
  if (!response.ok) {
    const body = (await response.json()) as { message?: string };
    throw new Error(`local AWS: POST ${RESTORE_SETTINGS_PATH} failed: ${body.message ?? `HTTP ${response.status}`}`);
  }
}
