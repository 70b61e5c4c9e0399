/**
 * Item-level rules a seed checks before anything is written, so DynamoDB never rejects a whole BatchWriteItem
 * (one bad item fails its batch of 25) and every bad item is named in the report instead.
 *
 * - key attributes present, of the declared type (S/N/B), non-empty, and within the key size limits
 *   (partition key ≤ 2048 bytes, sort key ≤ 1024 bytes: ServiceQuotas.html#limits-partition-sort-keys);
 * - the item is at most 400 KB in DynamoDB's size accounting (CapacityUnitCalculations.html);
 * - duplicate keys within one file (BatchWriteItem rejects two writes of one key in a batch, and across batches the
 *   later silently overwrites the earlier: either way, a loss the report must show). The first wins.
 */
import { hash } from 'node:crypto';
import { MAX_ITEM_BYTES, canonicalNumber, itemSize } from './attribute-value.ts';
import type { SeedAttributeValue, SeedItem, SeedKeySchema } from './attribute-value.ts';

const PARTITION_KEY_MAX_BYTES = 2048;
const SORT_KEY_MAX_BYTES = 1024;

function keyProblem(item: SeedItem, key: { name: string; type: 'S' | 'N' | 'B' }, role: string, maxBytes: number): string | undefined {
  const value = item[key.name];
  if (value === undefined) return `missing ${role} key '${key.name}'`;
  // Every value has exactly one type name, so `in` answers without listing the keys (this runs for every item).
  if (!(key.type in value)) return `${role} key '${key.name}' is ${Object.keys(value)[0]}, the table declares ${key.type}`;
  if ('S' in value) {
    if (value.S.length === 0) return `${role} key '${key.name}' is an empty string`;
    if (Buffer.byteLength(value.S, 'utf8') > maxBytes) return `${role} key '${key.name}' is ${Buffer.byteLength(value.S, 'utf8')} bytes; the limit is ${maxBytes}`;
  }
  if ('B' in value) {
    if (value.B.length === 0) return `${role} key '${key.name}' is empty binary`;
    if (value.B.length > maxBytes) return `${role} key '${key.name}' is ${value.B.length} bytes; the limit is ${maxBytes}`;
  }
  return undefined;
}

/**
 * Why an item can't be seeded into a table with this key schema, or undefined when it can. `size` is the item's
 * itemSize when the caller already has it (the reader's fast path adds it up while parsing), to save a walk.
 */
export function itemProblem(item: SeedItem, schema: SeedKeySchema, size?: number): string | undefined {
  const partition = keyProblem(item, schema.partitionKey, 'partition', PARTITION_KEY_MAX_BYTES);
  if (partition !== undefined) return partition;
  if (schema.sortKey !== undefined) {
    const sort = keyProblem(item, schema.sortKey, 'sort', SORT_KEY_MAX_BYTES);
    if (sort !== undefined) return sort;
  }
  const bytes = size ?? itemSize(item);
  if (bytes > MAX_ITEM_BYTES) return `item is ${bytes} bytes in DynamoDB's size accounting; the limit is ${MAX_ITEM_BYTES} (400 KB)`;
  return undefined;
}

function keyPart(value: SeedAttributeValue): string {
  if ('S' in value) return `S${value.S}`;
  if ('N' in value) return `N${canonicalNumber(value.N)}`;
  if ('B' in value) return `B${Buffer.from(value.B).toString('base64')}`;
  return '?';
}

/** A string that two items share exactly when DynamoDB would see the same primary key (numbers compared by value). */
export function keyFingerprint(item: SeedItem, schema: SeedKeySchema): string {
  const partition = keyPart(item[schema.partitionKey.name]!);
  return schema.sortKey === undefined ? partition : `${partition}\u0000${keyPart(item[schema.sortKey.name]!)}`;
}

/**
 * The set of keys seen so far in one file, as 64-bit hashes (the first 8 bytes of SHA-1 of the fingerprint) in an
 * open-addressing table of typed arrays, each with the index of the item that first had it.
 *
 * Memory: 12 bytes per slot (two Uint32 of hash + one Uint32 index); the table doubles when it is 3/4 full, so it
 * is 3/8 to 3/4 full: 16–32 bytes per distinct key, and for a moment during a doubling old and new coexist (up to
 * 48 bytes per key). 1 million keys: 25 MB; 10 million: 200–400 MB (a seed that large should run with duplicate
 * detection per checkpoint window, or a larger Lambda). A JS Set of the fingerprint strings would cost ~80–100
 * bytes per short key and up to 3 KB for the longest keys.
 * False duplicates: two different keys share a 64-bit hash with probability ≈ n²/2^65 (≈ 3e-6 for 10 million
 * items); the report names the earlier item so a person can check.
 */
export class DuplicateKeys {
  private hashes: Uint32Array;
  private indexes: Uint32Array;
  private capacity: number;
  private count = 0;

  constructor(initialCapacity = 1 << 12) {
    this.capacity = initialCapacity;
    this.hashes = new Uint32Array(initialCapacity * 2);
    this.indexes = new Uint32Array(initialCapacity);
  }

  /** Number of distinct keys held. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the table (for the memory note in reports and tests). */
  get bytes(): number {
    return this.hashes.byteLength + this.indexes.byteLength;
  }

  /** Records the key; returns the index of the earlier item with the same key, or undefined when it is new. */
  add(fingerprint: string, index: number): number | undefined {
    const digest = hash('sha1', fingerprint, 'buffer');
    let high = digest.readUInt32LE(0);
    const low = digest.readUInt32LE(4);
    if (high === 0 && low === 0) high = 1; // 0/0 marks an empty slot
    const found = this.probe(high, low);
    if (this.hashes[found * 2] !== 0 || this.hashes[found * 2 + 1] !== 0) return this.indexes[found];
    this.hashes[found * 2] = high;
    this.hashes[found * 2 + 1] = low;
    this.indexes[found] = index;
    this.count++;
    if (this.count * 4 > this.capacity * 3) this.grow();
    return undefined;
  }

  private probe(high: number, low: number): number {
    const mask = this.capacity - 1;
    let slot = (low ^ high) & mask;
    for (;;) {
      const h = this.hashes[slot * 2]!;
      const l = this.hashes[slot * 2 + 1]!;
      if ((h === 0 && l === 0) || (h === high && l === low)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const oldHashes = this.hashes;
    const oldIndexes = this.indexes;
    const oldCapacity = this.capacity;
    this.capacity = oldCapacity * 2;
    this.hashes = new Uint32Array(this.capacity * 2);
    this.indexes = new Uint32Array(this.capacity);
    for (let slot = 0; slot < oldCapacity; slot++) {
      const high = oldHashes[slot * 2]!;
      const low = oldHashes[slot * 2 + 1]!;
      if (high === 0 && low === 0) continue;
      const target = this.probe(high, low);
      this.hashes[target * 2] = high;
      this.hashes[target * 2 + 1] = low;
      this.indexes[target] = oldIndexes[slot]!;
    }
  }
}
