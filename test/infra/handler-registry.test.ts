/**
 * The handler registry (functions/handlers/registry.ts) is the one list of handlers: every module it names exports
 * a handler, every handler module is in it, and the stack, IAM and the local runner follow it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HANDLER_NAMES, HANDLERS, handlerByFunctionId } from '../../functions/handlers/registry.ts';
import { HANDLER_NAMES as PERMISSION_HANDLERS, OWN_RESOURCE_GRANTS } from '../../infra/permissions.ts';
import { defaultHandlerEntry, REPO_ROOT } from '../../infra/table-warden.ts';
import { RECONCILE_TASK_STATES } from '../../state-machines/reconcile.ts';

describe('handler registry', () => {
  it('names a module exporting `handler` for each handler, and every such module under functions/handlers is in it', () => {
    // Prepare: the modules that export a Lambda entry point.
    const dir = join(REPO_ROOT, 'functions', 'handlers');
    const entryModules = readdirSync(dir)
      .filter((file) => file.endsWith('.ts') && /export (async )?function handler\b/.test(readFileSync(join(dir, file), 'utf8')))
      .map((file) => `functions/handlers/${file}`)
      .sort();
    // Assess
    expect(HANDLER_NAMES.map((name) => HANDLERS[name].file).sort()).toEqual(entryModules);
    for (const name of HANDLER_NAMES) expect(HANDLERS[name].file).toBe(`functions/handlers/${name}.ts`);
  });

  it('is what IAM, the stack and the state machine use', () => {
    // Assess
    expect(PERMISSION_HANDLERS).toBe(HANDLER_NAMES);
    expect(Object.keys(OWN_RESOURCE_GRANTS).sort()).toEqual([...HANDLER_NAMES].sort());
    for (const name of HANDLER_NAMES) expect(defaultHandlerEntry(name)).toBe(join(REPO_ROOT, HANDLERS[name].file));
    expect(Object.values(RECONCILE_TASK_STATES).every((name) => (HANDLER_NAMES as readonly string[]).includes(name))).toBe(true);
  });

  it('maps construct ids back to handlers, one to one', () => {
    // Assess
    expect(HANDLER_NAMES.map((name) => handlerByFunctionId(HANDLERS[name].functionId))).toEqual([...HANDLER_NAMES]);
    expect(new Set(HANDLER_NAMES.map((name) => HANDLERS[name].functionId)).size).toBe(HANDLER_NAMES.length);
    expect(handlerByFunctionId('Nope')).toBeUndefined();
  });
});
