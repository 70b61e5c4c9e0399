/**
 * infra/permissions.ts, without synthesizing: the controls' declared permissions become the plan and apply
 * handlers' grants, nothing outside the scope table is granted, and the forbidden actions stay forbidden.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROLS } from '../../functions/core/controls/index.ts';
import {
  ACCOUNT_INDEX_ACTIONS,
  applyActions,
  CONTROL_ACTION_SCOPES,
  controlGrants,
  DRILL_DELETE_GRANT,
  FORBIDDEN_ACTIONS,
  HANDLER_NAMES,
  handlerApiActions,
  handlerGrants,
  observeActions,
  type HandlerName,
} from '../../infra/permissions.ts';
import { defaultHandlerEntry, REPO_ROOT } from '../../infra/table-warden.ts';

const declared = (kind: 'observe' | 'apply') => [...new Set(CONTROLS.flatMap((control) => control.permissions[kind]))];

describe('derivation from the controls', () => {
  it('observe is the union of every control\'s observe actions, sorted and unique', () => {
    // Act
    const actions = observeActions();
    // Assess
    expect(actions).toEqual([...new Set(declared('observe'))].sort());
  });

  it('apply is observe ∪ apply over every control', () => {
    // Act
    const actions = applyActions();
    // Assess
    expect(actions).toEqual([...new Set([...declared('observe'), ...declared('apply')])].sort());
    expect(actions).toEqual(expect.arrayContaining(observeActions()));
  });

  it('every declared action has a resource scope, and "*" only where AWS has no resource type', () => {
    // Act
    const star = applyActions().filter((action) => CONTROL_ACTION_SCOPES[action]?.resources.includes('any'));
    // Assess
    expect(() => controlGrants('Check', applyActions())).not.toThrow();
    expect(star).toEqual(['backup-storage:MountCapsule', 'backup:ListBackupPlans', 'backup:ListProtectedResources', 'dynamodb:ListTables', 'kms:CreateKey', 'kms:ListAliases', 'tag:GetResources']);
  });

  it('plan-batch gets only reads', () => {
    // Act
    const control = handlerGrants('plan-batch').filter((grant) => grant.sid.startsWith('ObserveTables')).flatMap((grant) => grant.actions);
    // Assess
    expect(control.filter((action) => !/^[a-z]+:(Describe|List|Get)/.test(action))).toEqual([]);
  });

  it('only plan-batch and apply-batch get control actions', () => {
    // Act
    const withControls = HANDLER_NAMES.filter((handler) => handlerGrants(handler).some((grant) => /^(Observe|Apply)Tables/.test(grant.sid)));
    // Assess
    expect(withControls).toEqual(['plan-batch', 'apply-batch']);
  });
});

describe('guards', () => {
  it('refuses an action without a scope instead of granting it on "*"', () => {
    // Assess
    expect(() => controlGrants('X', ['dynamodb:RestoreTableFromBackup'])).toThrow(/no resource scope for dynamodb:RestoreTableFromBackup/);
  });

  it.each(['dynamodb:DeleteTable', 'kms:ScheduleKeyDeletion', 'kms:DisableKey', 'dynamodb:*', 'kms:*'])('refuses %s even if a control declares it', (action) => {
    // Prepare
    const rogue = [...CONTROLS, { permissions: { observe: [], apply: [action] } }];
    // Assess
    expect(() => handlerGrants('apply-batch', rogue)).toThrow(/never grants/);
  });

  it('no handler is granted a forbidden action', () => {
    // Act
    // Restore drills' one exception, DeleteTable on tagged tw-drill-* tables (DRILL_DELETE_GRANT), is drill-cleanup's.
    const granted = HANDLER_NAMES.flatMap((handler) => handlerGrants(handler).filter((grant) => !(handler === 'drill-cleanup' && grant === DRILL_DELETE_GRANT)).flatMap((grant) => grant.actions));
    // Assess
    expect(granted.filter((action) => FORBIDDEN_ACTIONS.includes(action) || action.includes('*'))).toEqual([]);
  });

  it('iam:PassRole is only for the backup role, only to AWS Backup', () => {
    // Assess
    expect(CONTROL_ACTION_SCOPES['iam:PassRole']).toEqual({ resources: ['backup-role'], conditions: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } } });
  });
});

describe('the handlers\' own API calls', () => {
  it.each<[HandlerName, string[]]>([
    ['lock', ['dynamodb:DeleteItem', 'dynamodb:PutItem']],
    [
      'load-desired-state',
      [...ACCOUNT_INDEX_ACTIONS, 'kms:VerifyMac', 's3:GetObject', 's3:ListBucket', 's3:PutObject'].sort(),
    ],
    ['gate', []],
    ['report', ['dynamodb:BatchWriteItem', 'dynamodb:Query', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'sns:Publish']],
  ])('%s may call exactly %j', (handler, expected) => {
    // Assess
    expect(handlerApiActions(handler)).toEqual(expected);
  });

  it.each(HANDLER_NAMES)('%s has a module at functions/handlers/%s.ts', (handler) => {
    // Assess
    expect(existsSync(defaultHandlerEntry(handler))).toBe(true);
  });

  // Static over-approximation: every AWS SDK command imported anywhere in the handler's module graph. For the two
  // roles derived from the controls it must be granted (the call recorder checks the exact calls at run time),
  // except what shared modules hold for other handlers: the account index reads (observe.ts; load makes them once
  // per run) and the run store's listing and the notifier (functions/run/ports.ts; only the report lists and
  // notifies). test/workflow/reconcile.test.ts proves at run time that the batches never call those.
  it.each<HandlerName>(['plan-batch', 'apply-batch'])('%s: every AWS command its code can reach is granted', (handler) => {
    // Act
    const reachable = reachableAwsActions(defaultHandlerEntry(handler));
    // Assess
    expect(reachable.length).toBeGreaterThan(5);
    const elsewhere = new Set([...ACCOUNT_INDEX_ACTIONS, 's3:ListBucket', 'sns:Publish']);
    expect(reachable.filter((action) => !handlerApiActions(handler).includes(action) && !elsewhere.has(action))).toEqual([]);
  });
});

const SDK_SERVICES: Record<string, string> = {
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-kms': 'kms',
  '@aws-sdk/client-backup': 'backup',
  '@aws-sdk/client-resource-groups-tagging-api': 'tag',
};
/** SDK operations whose IAM action has another name. */
const IAM_NAMES: Record<string, string> = { 's3:ListObjectsV2': 's3:ListBucket', 's3:HeadObject': 's3:GetObject' };

/** IAM actions of every `*Command` imported from an AWS SDK client in the module graph under functions/ (STS needs none). */
function reachableAwsActions(entry: string): string[] {
  const seen = new Set<string>();
  const actions = new Set<string>();
  const pending = [resolve(entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file) || !file.startsWith(join(REPO_ROOT, 'functions'))) continue;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g)) {
      const [, typeOnly, names = '', specifier = ''] = match;
      if (typeOnly) continue;
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        if (existsSync(target)) pending.push(target);
        continue;
      }
      const service = SDK_SERVICES[specifier];
      if (!service) continue;
      for (const name of names.split(',').map((part) => part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0] ?? '')) {
        if (!name.endsWith('Command')) continue;
        const action = `${service}:${name.slice(0, -'Command'.length)}`;
        actions.add(IAM_NAMES[action] ?? action);
      }
    }
  }
  return [...actions].sort();
}
