#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so there is no separate build step to forget.
import { register } from 'tsx/esm/api';

register();
const { buildProgram } = await import('../functions/cli/main.ts');
await buildProgram().parseAsync(process.argv);
