/**
 * The child process of the seed memory benchmark (bench/seed.ts): seeds one file through `tablewarden seed`'s own
 * code path (runSeedCommand → openSeedSource → runSeed) against the endpoint it is given, then prints one JSON line
 * with its peak resident set size, measured two ways (the kernel's VmHWM and Node's resourceUsage().maxRSS).
 *
 * Why a child: the parent holds the stub endpoint, the generator and vitest-free bench code; only the seeder's own
 * memory must be in the figure. Run as `node --import tsx bench/seed-rss-child.ts FILE ENDPOINT FORMAT`.
 */
import { readFileSync } from 'node:fs';
import { createClients } from '../functions/aws/clients.ts';
import { runSeedCommand } from '../functions/cli/commands/seed.ts';

const [file, endpoint, format] = process.argv.slice(2);
if (file === undefined || endpoint === undefined || format === undefined) throw new Error('usage: seed-rss-child.ts FILE ENDPOINT FORMAT');

let progressLines = 0;
const discard = { write: () => true };
const clients = createClients({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 3 });
// What the peak is made of: sampled maxima of the V8 heap and of memory outside it (Buffers, the SDK's sockets).
const peak = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
const sample = setInterval(() => {
  const usage = process.memoryUsage();
  for (const key of Object.keys(peak) as Array<keyof typeof peak>) peak[key] = Math.max(peak[key], usage[key]);
}, 100);
const started = performance.now();
const result = await runSeedCommand(
  'BenchRss',
  { from: file, format, mode: 'upsert' },
  { clients, manifestTable: null, io: { out: discard, err: { write: () => (progressLines++, true) } }, progress: { tty: false, intervalMs: 10_000 } },
);
const wallMs = performance.now() - started;
clearInterval(sample);
const vmHwmKb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
process.stdout.write(
  JSON.stringify({
    exitCode: result.exitCode,
    status: result.report?.status,
    reason: result.report?.reason,
    counts: result.report?.counts,
    wallMs,
    vmHwmKb,
    maxRssKb: process.resourceUsage().maxRSS,
    progressLines,
    peakMiB: Object.fromEntries(Object.entries(peak).map(([key, bytes]) => [key, Math.round((bytes / 1024 / 1024) * 10) / 10])),
  }) + '\n',
);
