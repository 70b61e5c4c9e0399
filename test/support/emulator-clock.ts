/**
 * A {@link RetryClock} that runs on the local AWS's clock (local/strict/clock.py): sleeping moves the emulator's
 * clock forward (POST /tablewarden/clock) instead of waiting, so code that waits for an emulated restore or a time
 * window sees every state it would see in real time, without the real wait.
 */
import type { RetryClock } from '../../functions/aws/apply/retry.ts';
import type { LocalAwsHandle } from '../helpers/local-aws.ts';

/** The emulator's clock as a RetryClock; `random` is fixed at 0.5 so backoff is the same every run. */
export async function emulatorClock(local: LocalAwsHandle): Promise<RetryClock> {
  let offset = (await local.server.advanceClock(0)).getTime() - Date.now();
  return {
    now: () => Date.now() + offset,
    sleep: async (ms) => {
      offset = (await local.server.advanceClock(ms / 1000)).getTime() - Date.now();
    },
    random: () => 0.5,
  };
}
