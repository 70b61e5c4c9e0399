#!/usr/bin/env node
/**
 * The installed `tablewarden` command: the package's `bin` is this module compiled to JavaScript
 * (dist/functions/cli/bin.js, `npm run build`), so running the CLI needs Node.js only, no TypeScript loader. In a
 * source checkout, bin/tablewarden.js loads this same module through tsx.
 */
import { buildProgram, normaliseArgv } from './main.ts';

// The lockfile pins an AWS SDK that supports Node 20; its "Node 22 after January 2027" notice is for upgrades.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// normaliseArgv: terraform's `plan -out FILE` spelling (commander alone reads -out as -o -u -t).
await buildProgram().parseAsync(normaliseArgv(process.argv));
