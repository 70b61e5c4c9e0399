/**
 * TW-GSI — the global secondary indexes are exactly the declared ones (when `globalSecondaryIndexes` is set).
 *
 * Drives: dynamodb:UpdateTable (GlobalSecondaryIndexUpdates: Create, Delete, Update), one index per call.
 * Binds: one GSI create or delete in flight per table; a changed key or projection can only be made by deleting
 * and re-creating the index, so queries on it fail until the backfill ends.
 * Leaving `globalSecondaryIndexes` out means indexes are not managed; `[]` means "no indexes".
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.OnlineOps.html
 */
import type { GsiSpec } from '../desired/schema.ts';
import type { IndexDefinition } from '../model/plan.ts';
import type { ObservedIndex, Projection } from '../model/observed.ts';
import { compliant, defineControl, nonCompliant, notApplicable, type ProposedAction } from './control.ts';

/** Normalise a written projection to DynamoDB's shape. */
export function toProjection(projection: GsiSpec['projection']): Projection {
  return typeof projection === 'string' ? { type: projection } : { type: 'INCLUDE', nonKeyAttributes: [...projection.nonKeyAttributes].sort() };
}

/** The definition apply sends for a declared GSI. */
export function toIndexDefinition(index: GsiSpec): IndexDefinition {
  return {
    name: index.name,
    partitionKey: index.partitionKey,
    ...(index.sortKey ? { sortKey: index.sortKey } : {}),
    projection: toProjection(index.projection),
    ...(index.readCapacity !== undefined ? { readCapacity: index.readCapacity } : {}),
    ...(index.writeCapacity !== undefined ? { writeCapacity: index.writeCapacity } : {}),
  };
}

function sameKey(a: { name: string; type: string } | undefined, b: { name: string; type: string } | undefined): boolean {
  return a?.name === b?.name && a?.type === b?.type;
}

function sameShape(want: IndexDefinition, have: ObservedIndex): boolean {
  const attributes = (p: Projection) => [...(p.nonKeyAttributes ?? [])].sort().join(',');
  return (
    sameKey(want.partitionKey, have.partitionKey) &&
    sameKey(want.sortKey, have.sortKey) &&
    want.projection.type === have.projection.type &&
    attributes(want.projection) === attributes(have.projection)
  );
}

/** Global secondary index control. */
export const gsiControl = defineControl({
  id: 'TW-GSI',
  title: 'Global secondary indexes match the declaration',
  rationale: 'Indexes are part of the table contract with its applications; an undeclared index also copies data.',
  references: { configRules: [], securityHub: [], documentation: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.OnlineOps.html' },
  permissions: { observe: ['dynamodb:DescribeTable'], apply: ['dynamodb:UpdateTable'] },
  assess({ desired, observed }) {
    const declared = desired.spec.globalSecondaryIndexes;
    if (!declared) return notApplicable('globalSecondaryIndexes is not declared');
    const want = declared.map(toIndexDefinition);
    const have = new Map(observed.globalSecondaryIndexes.map((index) => [index.name, index]));
    const busy = observed.globalSecondaryIndexes.filter((index) => index.status && index.status !== 'ACTIVE');
    const deletes: ProposedAction[] = [];
    const creates: ProposedAction[] = [];
    const updates: ProposedAction[] = [];
    const provisioned = desired.spec.billing?.mode === 'PROVISIONED';
    for (const index of want) {
      const current = have.get(index.name);
      if (!current) {
        creates.push({ type: 'CreateGlobalSecondaryIndex', index, risk: 'safe', reason: `create index ${index.name} (backfills from the table)` });
      } else if (!sameShape(index, current)) {
        deletes.push({ type: 'DeleteGlobalSecondaryIndex', indexName: index.name, risk: 'disruptive', reason: `delete index ${index.name} to change its key or projection` });
        creates.push({ type: 'CreateGlobalSecondaryIndex', index, risk: 'disruptive', reason: `re-create index ${index.name} with the declared key and projection (queries on it fail until backfilled)` });
      } else if (
        provisioned &&
        index.readCapacity !== undefined &&
        index.writeCapacity !== undefined &&
        (current.readCapacity !== index.readCapacity || current.writeCapacity !== index.writeCapacity)
      ) {
        updates.push({ type: 'UpdateGlobalSecondaryIndex', indexName: index.name, readCapacity: index.readCapacity, writeCapacity: index.writeCapacity, risk: 'safe', reason: `set index ${index.name} capacity to ${index.readCapacity} RCU / ${index.writeCapacity} WCU` });
      }
    }
    const declaredNames = new Set(want.map((index) => index.name));
    for (const index of observed.globalSecondaryIndexes) {
      if (!declaredNames.has(index.name)) {
        deletes.push({ type: 'DeleteGlobalSecondaryIndex', indexName: index.name, risk: 'disruptive', reason: `delete undeclared index ${index.name}` });
      }
    }
    const actions = [...deletes, ...creates, ...updates];
    if (actions.length === 0) return compliant(want.length ? `indexes match: ${want.map((index) => index.name).join(', ')}` : 'no indexes, as declared');
    if (busy.length > 0) {
      // DynamoDB runs one index operation at a time; the next run picks up the rest.
      return nonCompliant(`index ${busy.map((index) => `${index.name} is ${index.status}`).join(', ')}; index changes wait for it`);
    }
    return nonCompliant(actions.map((action) => action.reason).join('; '), actions);
  },
});
