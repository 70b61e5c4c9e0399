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
