#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so there is no separate build step to forget.
import { register } from 'tsx/esm/api';

// The lockfile pins an AWS SDK that supports Node 20; its "Node 22 after January 2027" notice is for upgrades.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { buildProgram, normaliseArgv } = await import('../functions/cli/main.ts');
// normaliseArgv: terraform's `plan -out FILE` spelling (commander alone reads -out as -o -u -t).
await buildProgram().parseAsync(normaliseArgv(process.argv));
