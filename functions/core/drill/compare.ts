/**
 * Comparing a restored copy with its source: the sampled items (by canonical checksum), the declared checks, and
 * the table's shape (key schema, indexes, encryption). Pure: the adapters read the items, this judges them.
 *
 * Sampling runs both ways. Items sampled from the copy are read from the source: an item changed or deleted in the
 * source since the backup shows up here. Items sampled from the source are read from the copy: an item the copy
 * lacks (lost by the backup, or removed from the copy) can only show up this way, and it is named.
 */
import type { KeySchema, ObservedIndex, ObservedSse, ObservedTable } from '../model/observed.ts';
import { itemChecksum, keyId, keyLabel, keyOf, type DrillAttributeValue, type DrillItem } from './checksum.ts';

/** What the adapters read for the sample comparison. */
export interface SampleEvidence {
  keySchema: KeySchema;
  /** Items sampled from the copy (parallel Scan). */
  copySample: readonly DrillItem[];
  /** The source's items for those keys, by {@link keyId} (absent: not in the source). */
  sourceByKey: Readonly<Record<string, DrillItem>>;
  /** Items sampled from the source. */
  sourceSample: readonly DrillItem[];
  /** The copy's items for those keys, by {@link keyId} (absent: not in the copy). */
  copyByKey: Readonly<Record<string, DrillItem>>;
  /** Keys that could not be read (UnprocessedKeys still unprocessed at the deadline), from either side. */
  unreadable: readonly DrillItem[];
}

/** The outcome of the sample comparison; keys are named for people. */
export interface SampleComparison {
  /** Distinct keys compared (both directions, unreadable ones left out). */
  compared: number;
  matched: number;
  /** In both, with different checksums. */
  changed: string[];
  /** In the copy, not in the source (deleted from the source since the backup). */
  missingInSource: string[];
  /** In the source, not in the copy (created since the backup, or lost). */
  missingInCopy: string[];
  /** Could not be read at all. */
  unreadable: string[];
  /** (changed + missingInSource + missingInCopy) / compared × 100; 0 when nothing was compared. */
  changedPercent: number;
}

/** Compare the two samples by key and canonical checksum. */
export function compareSamples(evidence: SampleEvidence): SampleComparison {
  const { keySchema } = evidence;
  const unreadableIds = new Set(evidence.unreadable.map(keyId));
  const seen = new Set<string>();
  const changed: string[] = [];
  const missingInSource: string[] = [];
  const missingInCopy: string[] = [];
  let matched = 0;
  const judge = (item: DrillItem, other: Readonly<Record<string, DrillItem>>, missing: string[]) => {
    const key = keyOf(item, keySchema);
    if (!key) return;
    const id = keyId(key);
    if (seen.has(id) || unreadableIds.has(id)) return;
    seen.add(id);
    const counterpart = other[id];
    if (counterpart === undefined) missing.push(keyLabel(key, keySchema));
    else if (itemChecksum(counterpart) !== itemChecksum(item)) changed.push(keyLabel(key, keySchema));
    else matched += 1;
  };
  for (const item of evidence.copySample) judge(item, evidence.sourceByKey, missingInSource);
  for (const item of evidence.sourceSample) judge(item, evidence.copyByKey, missingInCopy);
  const compared = seen.size;
  const differing = changed.length + missingInSource.length + missingInCopy.length;
  return {
    compared,
    matched,
    changed: changed.sort(),
    missingInSource: missingInSource.sort(),
    missingInCopy: missingInCopy.sort(),
    unreadable: [...new Set(evidence.unreadable.map((key) => keyLabel(key, keySchema)))].sort(),
    changedPercent: compared === 0 ? 0 : (differing / compared) * 100,
  };
}

/** A declared check as written in the table file. */
export interface DeclaredCheck {
  key: Record<string, string | number>;
  expect: 'present' | 'absent';
}

/** A declared check's key as a DynamoDB key (types from the key schema; parse.ts already checked them). */
export function checkKey(check: DeclaredCheck, keySchema: KeySchema): DrillItem {
  const value = (name: string, type: 'S' | 'N' | 'B'): DrillAttributeValue => {
    const raw = check.key[name];
    const text = String(raw);
    return type === 'S' ? { S: text } : type === 'N' ? { N: text } : { B: text };
  };
  return {
    [keySchema.partitionKey.name]: value(keySchema.partitionKey.name, keySchema.partitionKey.type),
    ...(keySchema.sortKey ? { [keySchema.sortKey.name]: value(keySchema.sortKey.name, keySchema.sortKey.type) } : {}),
  };
}

/** One declared check's outcome. */
export interface CheckResult {
  key: string;
  expect: 'present' | 'absent';
  /** What the copy has; `unreadable` when the read never succeeded. */
  found: 'present' | 'absent' | 'unreadable';
  passed: boolean;
}

/** Judge the declared checks against what the copy answered for their keys (`copyByKey`, by {@link keyId}). */
export function evaluateChecks(
  checks: readonly DeclaredCheck[],
  keySchema: KeySchema,
  copyByKey: Readonly<Record<string, DrillItem>>,
  unreadable: readonly DrillItem[] = [],
): CheckResult[] {
  const unreadableIds = new Set(unreadable.map(keyId));
  return checks.map((check) => {
    const key = checkKey(check, keySchema);
    const id = keyId(key);
    const found = unreadableIds.has(id) ? 'unreadable' : copyByKey[id] !== undefined ? 'present' : 'absent';
    return { key: keyLabel(key, keySchema), expect: check.expect, found, passed: found === check.expect };
  });
}

/** The parts of a table the shape comparison reads. */
export type TableShape = Pick<ObservedTable, 'keySchema' | 'globalSecondaryIndexes' | 'localSecondaryIndexes' | 'sse'>;

/** The encryption the copy must have: the declared one, with a customer managed key resolved to its ARN. */
export type ExpectedSse = Pick<ObservedSse, 'type' | 'kmsKeyArn'>;

const keyText = (key: KeySchema): string => `${key.partitionKey.name} (${key.partitionKey.type})${key.sortKey ? ` + ${key.sortKey.name} (${key.sortKey.type})` : ''}`;

const indexText = (index: ObservedIndex): string =>
  `${keyText(index)}, projection ${index.projection.type}${index.projection.nonKeyAttributes?.length ? ` [${[...index.projection.nonKeyAttributes].sort().join(', ')}]` : ''}`;

function compareIndexes(kind: 'GSI' | 'LSI', source: readonly ObservedIndex[], copy: readonly ObservedIndex[]): string[] {
  const reasons: string[] = [];
  const copies = new Map(copy.map((index) => [index.name, index]));
  for (const index of source) {
    const restored = copies.get(index.name);
    if (!restored) reasons.push(`${kind} ${index.name} is missing from the copy`);
    else if (indexText(restored) !== indexText(index)) reasons.push(`${kind} ${index.name} differs: source ${indexText(index)}, copy ${indexText(restored)}`);
  }
  const names = new Set(source.map((index) => index.name));
  for (const index of copy) if (!names.has(index.name)) reasons.push(`${kind} ${index.name} is on the copy but not on the source`);
  return reasons;
}

/**
 * The copy's shape against the source's and the declared encryption: key schema, GSIs and LSIs (names, keys,
 * projections), and SSE (type, and for a customer managed key, the very key). Empty when everything matches.
 */
export function compareShape(source: TableShape, copy: TableShape, expectedSse: ExpectedSse): string[] {
  const reasons: string[] = [];
  if (keyText(source.keySchema) !== keyText(copy.keySchema)) reasons.push(`key schema differs: source ${keyText(source.keySchema)}, copy ${keyText(copy.keySchema)}`);
  reasons.push(...compareIndexes('GSI', source.globalSecondaryIndexes, copy.globalSecondaryIndexes));
  reasons.push(...compareIndexes('LSI', source.localSecondaryIndexes, copy.localSecondaryIndexes));
  if (copy.sse.type !== expectedSse.type) {
    reasons.push(`encryption differs: declared ${expectedSse.type}, copy ${copy.sse.type}${copy.sse.kmsKeyArn ? ` (${copy.sse.kmsKeyArn})` : ''}`);
  } else if (expectedSse.type === 'CUSTOMER_MANAGED' && expectedSse.kmsKeyArn !== undefined && copy.sse.kmsKeyArn !== expectedSse.kmsKeyArn) {
    reasons.push(`encryption key differs: declared ${expectedSse.kmsKeyArn}, copy ${copy.sse.kmsKeyArn ?? '(none)'}`);
  }
  return reasons;
}
