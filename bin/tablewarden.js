#!/usr/bin/env node
// The command in a source checkout: runs the TypeScript CLI (functions/cli/bin.ts) through tsx's loader, so there is
// no build step to forget while developing. The published package's `bin` is the compiled dist/functions/cli/bin.js
// (npm run build), which needs no tsx.
import { register } from 'tsx/esm/api';

register();
await import('../functions/cli/bin.ts');
