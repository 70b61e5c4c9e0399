#!/usr/bin/env node
// The `tablewarden` command, in both places it runs from:
// - the installed package (no TypeScript sources in it): the compiled CLI, dist/functions/cli/bin.js (npm run build,
//   run by prepack), on plain Node; tsx is not installed and never loaded;
// - a source checkout (functions/cli/bin.ts is there): the TypeScript CLI through tsx's loader (a devDependency), so
//   there is no build step to forget while developing, and `npx tablewarden` works right after `npm ci`.
import { existsSync } from 'node:fs';

const source = new URL('../functions/cli/bin.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/functions/cli/bin.js', import.meta.url).href);
}
