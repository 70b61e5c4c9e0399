import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The lockfile pins an AWS SDK that supports Node 20; its upgrade notice is noise in test output.
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // The role AWS Backup assumes, as the operator stack passes it to the apply Lambda (moto accepts any ARN).
      TABLEWARDEN_BACKUP_ROLE_ARN: 'arn:aws:iam::123456789012:role/tablewarden-backup',
    },
  },
});
