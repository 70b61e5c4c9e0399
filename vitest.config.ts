import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // vitest's default is one worker fewer than the cores: ONE on the 2-core machines the suite runs on (CI, here), so
    // the files ran one after another, leaving a core idle while a file waited (SDK retry pauses, process start-up) or
    // its own local AWS (a Python process) worked. Two workers keep both cores busy; more cores keep vitest's default.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One synthesis of the operator stack per run, shared by every file that runs the synthesized state machines
    // (test/support/synth-cache.ts); the set-up only makes the run's cache directory.
    globalSetup: ['test/support/synth-cache-setup.ts'],
    setupFiles: ['test/support/synth-cache.ts'],
    // The lockfile pins an AWS SDK that supports Node 20; its upgrade notice is noise in test output.
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // The role AWS Backup assumes, as the operator stack passes it to the apply Lambda (moto accepts any ARN).
      TABLEWARDEN_BACKUP_ROLE_ARN: 'arn:aws:iam::123456789012:role/tablewarden-backup',
    },
  },
});
