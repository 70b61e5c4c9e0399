/**
 * A real headless Chromium for the report's HTML test: Debian's `chromium` package, installed here when it is
 * missing, the way .ci/run installs faketime (non-interactive apt-get; sudo only when not root; `apt-get update`
 * only when the first install finds no package lists, as on a fresh CI machine).
 */
import { execFileSync, spawnSync } from 'node:child_process';

/** The chromium binary on PATH, or undefined. */
function whichChromium(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path !== '' ? path : undefined;
}

/**
 * The path of `chromium`, installing Debian's package first when it is absent.
 * @throws Error when it can't be installed (no apt-get, no root and no sudo, no network to the Debian mirror).
 */
export function ensureChromium(): string {
  const existing = whichChromium();
  if (existing) return existing;
  const root = process.getuid?.() === 0;
  const apt = (args: string[]) => {
    const [command, argv] = root ? ['apt-get', args] : ['sudo', ['-n', 'apt-get', ...args]];
    execFileSync(command, argv, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  };
  const install = ['install', '-y', '--no-install-recommends', 'chromium'];
  try {
    apt(install);
  } catch {
    apt(['update']);
    apt(install);
  }
  const installed = whichChromium();
  if (!installed) throw new Error('chromium: apt-get install -y chromium finished, but no chromium is on PATH');
  return installed;
}
