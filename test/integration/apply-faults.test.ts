/**
 * Apply under faults: 20% of AWS calls throttled or failing with 5xx (seeded, at the local AWS), and still every
 * table converges; nothing is left half-changed without the report saying so.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { runApply } from '../../functions/cli/commands/apply.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo, unattended } from '../support/capture.ts';

const local = useLocalAws();

describe('apply under injected faults', () => {
  beforeEach(async () => {
    await local.reset();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  });

  afterEach(async () => {
    await local.server.clearFaults();
  });

  it.each([7, 20261128])('converges every table with 20 percent throttling and 5xx (seed %i)', async (seed) => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    await local.server.setFaults({ rate: 0.2, seed, kinds: ['throttle', '5xx'] });
    // The SDK retries as apply's clients do (8 attempts, same retry middleware, so CreateKey is still sent once), in
    // its standard mode: the adaptive mode adds only a client-side rate limiter that delays sends in real time after
    // throttling (it fails nothing), which made this file the suite's slowest (52 s against 22 s).
    const aws = createClients({ ...local.clientConfig, retryMode: 'standard' });
    const io = captureIo();
    // Act
    const code = await runApply(
      { dir: 'desired-state', table: [], output: 'text', autoApprove: true, endpointUrl: local.endpoint, region: local.region },
      { io, confirmation: unattended, clients: aws, apply: { pollMs: 10 } },
    );
    const stats = await local.server.faultStats();
    // Assess
    expect(io.stderr()).toBe('');
    expect(io.stdout()).toMatch(/Apply complete: 11 changes applied; all 3 managed tables are in sync\./);
    expect(code).toBe(0);
    expect(stats.injected.throttle + stats.injected['5xx']).toBeGreaterThan(5);
    // The SDK retried: some calls needed more than one attempt, and none failed for good.
    expect(aws.calls.all().some((call) => (call.attempts ?? 1) > 1)).toBe(true);
    // The only calls that failed for good are the expected "does not exist yet" answers, and CreateKey, which is
    // sent once (an SDK retry of a CreateKey AWS completed would make a second key): after a fault, apply looked
    // for the key by tag before sending another.
    const failed = aws.calls.all().filter((call) => call.error !== undefined);
    expect(new Set(failed.filter((call) => call.action !== 'kms:CreateKey').map((call) => call.error))).toEqual(new Set(['ResourceNotFoundException', 'NotFoundException']));
    expect(failed.filter((call) => call.action === 'kms:CreateKey').every((call) => call.attempts === 1 && /Throttling|KMSInternal/.test(call.error ?? ''))).toBe(true);
  }, 120_000);
});
