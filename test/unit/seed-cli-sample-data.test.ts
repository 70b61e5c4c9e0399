/**
 * The sample seed (seed/customers.json): exactly what its generator makes, valid for the Customers key schema
 * (desired-state/tables/customers.yaml), and as varied as it claims (nested maps, lists, a 22-digit number,
 * booleans, a null, optional attributes).
 */
import { createReadStream, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SeedAttributeValue, SeedItem } from '../../functions/core/seed/attribute-value.ts';
import { readSeed } from '../../functions/core/seed/read-seed.ts';
import { customersJson, customersManifest, CUSTOMER_COUNT } from '../../seed/generate-customers.ts';

const FILE = new URL('../../seed/customers.json', import.meta.url);
const MANIFEST = new URL('../../seed/customers.manifest.json', import.meta.url);
const KEY = { partitionKey: { name: 'customerID', type: 'S' as const } };

async function readAll(): Promise<{ items: SeedItem[]; rejected: number; sha256: string | undefined; encoding: string | undefined; container: string | undefined }> {
  const reader = readSeed(createReadStream(FILE), { keySchema: KEY });
  const items: SeedItem[] = [];
  let rejected = 0;
  for await (const record of reader) {
    if (record.kind === 'item') items.push(record.item);
    else rejected++;
  }
  return { items, rejected, sha256: reader.summary.sha256, encoding: reader.summary.encoding, container: reader.summary.container };
}

describe('seed/customers.json', () => {
  it('is exactly what seed/generate-customers.ts makes, and its manifest matches it', () => {
    // Prepare
    const committed = readFileSync(FILE, 'utf8');
    // Act
    const generated = customersJson();
    // Assess
    expect(generated).toBe(committed);
    expect(readFileSync(MANIFEST, 'utf8')).toBe(customersManifest(generated, CUSTOMER_COUNT));
  });

  it('reads as 1,000 valid Customers items (plain JSON array), with the checksum the manifest records', async () => {
    // Act
    const read = await readAll();
    // Assess
    expect(read.rejected).toBe(0);
    expect(read.items).toHaveLength(1_000);
    expect(read).toMatchObject({ container: 'array', encoding: 'plain' });
    expect(read.sha256).toBe((JSON.parse(readFileSync(MANIFEST, 'utf8')) as { sha256: string }).sha256);
    expect(new Set(read.items.map((item) => (item['customerID'] as { S: string }).S)).size).toBe(1_000);
  });

  it('is varied: nested maps, lists, a 22-digit number kept exact, booleans, a null, and optional attributes', async () => {
    // Prepare
    const { items } = await readAll();
    const share = (name: string) => items.filter((item) => name in item).length / items.length;
    const kinds = new Set<string>();
    const walk = (value: SeedAttributeValue) => {
      const kind = Object.keys(value)[0]!;
      kinds.add(kind);
      if ('M' in value) Object.values(value.M).forEach(walk);
      if ('L' in value) value.L.forEach(walk);
    };
    // Act
    items.forEach((item) => Object.values(item).forEach(walk));
    // Assess
    expect([...kinds].sort()).toEqual(['BOOL', 'L', 'M', 'N', 'NULL', 'S']);
    expect(items[6]!['balance']).toEqual({ N: '12345678901234567890.12' });
    expect(items[0]!['address']).toMatchObject({ M: { city: { S: expect.any(String) }, country: { S: expect.any(String) } } });
    for (const optional of ['phone', 'company', 'vip', 'referredBy', 'notes', 'recentOrders']) {
      expect(share(optional), optional).toBeGreaterThan(0);
      expect(share(optional), optional).toBeLessThan(1);
    }
    expect(share('customerID')).toBe(1);
  });
});
