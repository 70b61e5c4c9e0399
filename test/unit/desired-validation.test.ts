import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../functions/core/desired/diagnostics.ts';
import { parseDesiredState, type SourceFile } from '../../functions/core/desired/parse.ts';

const NOW = new Date('2026-11-28T12:00:00Z');

const POLICY = `apiVersion: tablewarden.io/v1
kind: Policy
spec:
  baseline:
    pointInTimeRecovery: { enabled: true }
    tags: { managed-by: tablewarden }
  requiredTags: [cost-center]
  backupPlans:
    daily-35d: { schedule: cron(0 3 * * ? *), retentionDays: 35, vault: main-vault }
`;

const CUSTOMERS = `apiVersion: tablewarden.io/v1
kind: Table
metadata:
  name: Customers
spec:
  keySchema:
    partitionKey: { name: customerID, type: S }
  billing: { mode: PAY_PER_REQUEST }
  tags: { cost-center: payments }
`;

function validate(tables: Record<string, string>, policy = POLICY) {
  const files: SourceFile[] = [{ path: 'desired-state/policy.yaml', text: policy }];
  for (const [name, text] of Object.entries(tables)) files.push({ path: `desired-state/tables/${name}`, text });
  const result = parseDesiredState(files, { now: NOW });
  return { ...result, lines: result.diagnostics.map(formatDiagnostic) };
}

/** Replace one line of the Customers file. */
function customersWith(find: string, replace: string): string {
  if (!CUSTOMERS.includes(find)) throw new Error(`fixture has no ${find}`);
  return CUSTOMERS.replace(find, replace);
}

describe('desired-state validation', () => {
  it('accepts a valid table and merges the baseline under it (table wins, tags merge)', () => {
    // Prepare / Act
    const result = validate({ 'customers.yaml': CUSTOMERS });
    // Assess
    expect(result.lines).toEqual([]);
    expect(result.failed).toBe(false);
    const [table] = result.state.tables;
    expect(table?.spec.pointInTimeRecovery).toEqual({ enabled: true });
    expect(table?.spec.tags).toEqual({ 'managed-by': 'tablewarden', 'cost-center': 'payments' });
    expect(table?.spec.stream).toBe('NONE');
    expect(table?.source).toEqual({ file: 'desired-state/tables/customers.yaml', line: 4 });
  });

  it.each([
    ['YAML syntax error', customersWith('  billing: { mode: PAY_PER_REQUEST }', '  billing: { mode: PAY_PER_REQUEST'), /customers\.yaml:9:3 \(syntax\): YAML syntax error/],
    ['empty file', '', /customers\.yaml:1:1 \(document\): file is empty/],
    ['misspelled key', customersWith('  billing:', '  biling:'), /customers\.yaml:8:3 spec\.biling: unknown key "biling" \(did you mean "billing"\?\)/],
    ['unknown key far from any known one', customersWith('  billing:', '  colour: red\n  billing:'), /customers\.yaml:8:3 spec\.colour: unknown key "colour" \(allowed: .*billing/],
    ['wrong type', customersWith('  tags: { cost-center: payments }', '  tags: { cost-center: payments }\n  deletionProtection: "yes"'), /customers\.yaml:10:23 spec\.deletionProtection: expected boolean, received string/],
    ['out-of-range number', customersWith('  tags:', '  pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 36 }\n  tags:'), /customers\.yaml:9:61 spec\.pointInTimeRecovery\.recoveryPeriodDays: Too big: expected number to be <=35/],
    ['PROVISIONED without capacities', customersWith('{ mode: PAY_PER_REQUEST }', '{ mode: PROVISIONED }'), /customers\.yaml:8:3 spec\.billing\.readCapacity: is required when billing mode is PROVISIONED/],
    ['GSI key without a type', customersWith('  tags:', '  globalSecondaryIndexes:\n    - { name: byEmail, partitionKey: { name: email }, projection: ALL }\n  tags:'), /customers\.yaml:10:24 spec\.globalSecondaryIndexes\[0\]\.partitionKey\.type: is required/],
    ['table name DynamoDB rejects', customersWith('name: Customers', 'name: "Cu stomers!"'), /customers\.yaml:4:9 metadata\.name: must be 3–255 characters/],
    ['wrong apiVersion', customersWith('tablewarden.io/v1', 'tablewarden.io/v2'), /customers\.yaml:1:13 apiVersion: must be tablewarden\.io\/v1/],
    ['backup plan policy.yaml does not define', customersWith('  tags:', '  backup: { plan: daily-53d }\n  tags:'), /customers\.yaml:9:19 spec\.backup\.plan: backup plan "daily-53d" is not defined in policy\.yaml backupPlans \(did you mean "daily-35d"\?\)/],
    ['waiver for an unknown control', customersWith('  tags:', '  waivers:\n    - { control: TW-PTIR, reason: r, owner: o, expires: 2027-01-31 }\n  tags:'), /customers\.yaml:10:18 spec\.waivers\[0\]\.control: unknown control "TW-PTIR" \(did you mean "TW-PITR"\?\)/],
    ['required tag missing', customersWith('  tags: { cost-center: payments }', '  tags: { team: payments }'), /customers\.yaml:9:3 spec\.tags: required tag "cost-center" \(policy\.yaml requiredTags\) is missing/],
    ['sort key equal to the partition key', customersWith('    partitionKey: { name: customerID, type: S }', '    partitionKey: { name: customerID, type: S }\n    sortKey: { name: customerID, type: S }'), /customers\.yaml:8:22 spec\.keySchema\.sortKey\.name: the sort key must be a different attribute/],
    ['LSI on a table without a sort key', customersWith('  tags:', '  localSecondaryIndexes:\n    - { name: byDate, sortKey: { name: d, type: S }, projection: ALL }\n  tags:'), /customers\.yaml:10:7 spec\.localSecondaryIndexes\[0\]: local secondary indexes need a table with a sort key/],
  ])('rejects %s with a line-precise error and leaves the table out', (_name, text, expected) => {
    // Prepare / Act
    const result = validate({ 'customers.yaml': text });
    // Assess
    expect(result.failed).toBe(true);
    expect(result.lines.join('\n')).toMatch(expected);
    expect(result.state.tables).toEqual([]);
    expect(result.state.invalidTables).toHaveLength(1);
  });

  it('rejects a table name declared twice in both files, pointing at the other one, and applies neither', () => {
    // Prepare / Act
    const result = validate({ 'customers.yaml': CUSTOMERS, 'customers-copy.yaml': CUSTOMERS });
    // Assess
    expect(result.lines).toContain('desired-state/tables/customers.yaml:4:9 metadata.name: table "Customers" is declared in 2 files (also desired-state/tables/customers-copy.yaml:4); each table needs exactly one file, so none of them is applied');
    expect(result.lines).toContain('desired-state/tables/customers-copy.yaml:4:9 metadata.name: table "Customers" is declared in 2 files (also desired-state/tables/customers.yaml:4); each table needs exactly one file, so none of them is applied');
    expect(result.state.tables).toEqual([]);
    expect(result.state.invalidTables.map((table) => [table.name, table.file])).toEqual([
      ['Customers', 'desired-state/tables/customers-copy.yaml'],
      ['Customers', 'desired-state/tables/customers.yaml'],
    ]);
  });

  it('warns, without failing, when the file name does not match the table name', () => {
    // Prepare / Act
    const result = validate({ 'clients.yaml': CUSTOMERS });
    // Assess
    expect(result.failed).toBe(false);
    expect(result.lines).toEqual(['desired-state/tables/clients.yaml:4:9 metadata.name: warning: file name "clients" does not match table name "Customers"; name the file after the table']);
    expect(result.state.tables).toHaveLength(1);
  });

  it('reports an expired waiver as a warning and drops it; a current waiver is kept', () => {
    // Prepare
    const text = customersWith('  tags:', [
      '  waivers:',
      '    - { control: TW-PITR, reason: migrating, owner: alice, expires: 2026-11-01 }',
      '    - { control: TW-DELETION-PROTECTION, reason: test table, owner: bob, expires: 2027-01-31 }',
      '  tags:',
    ].join('\n'));
    // Act
    const result = validate({ 'customers.yaml': text });
    // Assess
    expect(result.failed).toBe(false);
    expect(result.lines).toEqual(['desired-state/tables/customers.yaml:10:69 spec.waivers[0].expires: warning: waiver for TW-PITR expired on 2026-11-01 and no longer applies']);
    expect(result.state.tables[0]?.waivers.map((waiver) => waiver.control)).toEqual(['TW-DELETION-PROTECTION']);
  });

  it('refuses to let TW-TABLE-EXISTS be waived', () => {
    const result = validate({ 'customers.yaml': customersWith('  tags:', '  waivers:\n    - { control: TW-TABLE-EXISTS, reason: r, owner: o, expires: 2027-01-31 }\n  tags:') });
    expect(result.lines.join('\n')).toMatch(/TW-TABLE-EXISTS cannot be waived/);
  });

  it('keeps valid tables when another file is invalid (the bad one is skipped, the run is failed)', () => {
    // Prepare
    const orders = CUSTOMERS.replace('Customers', 'Orders').replace('biling', 'billing');
    // Act
    const result = validate({ 'customers.yaml': customersWith('  billing:', '  biling:'), 'orders.yaml': orders });
    // Assess
    expect(result.failed).toBe(true);
    expect(result.state.tables.map((table) => table.name)).toEqual(['Orders']);
    expect(result.state.invalidTables).toEqual([
      { name: 'Customers', file: 'desired-state/tables/customers.yaml', errors: ['spec.biling: unknown key "biling" (did you mean "billing"?)'], claims: { names: ['Customers'], stem: 'customers' } },
    ]);
  });

  it('marks every table invalid when policy.yaml is invalid (the baseline cannot be trusted)', () => {
    // Prepare / Act
    const result = validate({ 'customers.yaml': CUSTOMERS }, POLICY.replace('requiredTags', 'requiredTag'));
    // Assess
    expect(result.lines.join('\n')).toMatch(/policy\.yaml:7:3 spec\.requiredTag: unknown key "requiredTag" \(did you mean "requiredTags"\?\)/);
    expect(result.state.tables).toEqual([]);
    expect(result.state.invalidTables).toHaveLength(1);
  });

  it('validates the repository samples without errors or warnings', async () => {
    // Prepare
    const { readDesiredStateFiles } = await import('../../functions/cli/desired-files.ts');
    const files = await readDesiredStateFiles('desired-state');
    // Act
    const result = parseDesiredState(files, { now: NOW });
    // Assess
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(result.state.tables.map((table) => table.name)).toEqual(['Customers', 'Orders', 'terraform-state-lock']);
  });
});

describe('AWS limits, accepted at the boundary (one past each is a corpus case in test/corpus/desired-state)', () => {
  const tags = (count: number) => `{ ${Array.from({ length: count - 1 }, (_, i) => `t${i}: v`).join(', ')}${count > 1 ? ', ' : ''}cost-center: payments }`;
  it.each([
    ['table name of 3 characters', customersWith('name: Customers', 'name: abc').replace('customers', 'abc')],
    ['table name of 255 characters', customersWith('name: Customers', `name: ${'t'.repeat(255)}`)],
    ['20 GSIs', customersWith('  tags:', `  globalSecondaryIndexes:\n${Array.from({ length: 20 }, (_, i) => `    - { name: gsi${i}, partitionKey: { name: a${i}, type: S }, projection: KEYS_ONLY }`).join('\n')}\n  tags:`)],
    ['5 LSIs', customersWith('    partitionKey: { name: customerID, type: S }', '    partitionKey: { name: customerID, type: S }\n    sortKey: { name: sk, type: S }').replace('  tags:', `  localSecondaryIndexes:\n${Array.from({ length: 5 }, (_, i) => `    - { name: lsi${i}, sortKey: { name: s${i}, type: S }, projection: ALL }`).join('\n')}\n  tags:`)],
    ['key attribute name of 255 characters', customersWith('name: customerID', `name: ${'k'.repeat(255)}`)],
    ['rotation of 90 days', customersWith('  tags:', '  encryption: { type: CUSTOMER_MANAGED, kmsKeyAlias: alias/customers, rotationPeriodDays: 90 }\n  tags:')],
    ['rotation of 2560 days', customersWith('  tags:', '  encryption: { type: CUSTOMER_MANAGED, kmsKeyAlias: alias/customers, rotationPeriodDays: 2560 }\n  tags:')],
    ['KMS alias of 256 characters', customersWith('  tags:', `  encryption: { type: CUSTOMER_MANAGED, kmsKeyAlias: alias/${'a'.repeat(250)} }\n  tags:`)],
    ['PITR recovery period of 1 day', customersWith('  tags:', '  pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 1 }\n  tags:')],
    ['capacities of 1 and 40000', customersWith('{ mode: PAY_PER_REQUEST }', '{ mode: PROVISIONED, readCapacity: 1, writeCapacity: 40000 }')],
    ['50 tags', customersWith('  tags: { cost-center: payments }', `  tags: ${tags(50)}`)],
    ['a 128-character tag key and a 256-character value', customersWith('  tags: { cost-center: payments }', `  tags: { cost-center: payments, ${'k'.repeat(128)}: ${'v'.repeat(256)} }`)],
    ['tag characters DynamoDB allows', customersWith('  tags: { cost-center: payments }', '  tags: { cost-center: "pay ments_.:/=+- Zürich 42" }')],
  ])('accepts %s', (_case, text) => {
    // The baseline's own tag would be one more than 50 tags; the count with it is checked below.
    const result = validate({ 'customers.yaml': text }, POLICY.replace('    tags: { managed-by: tablewarden }\n', ''));
    expect(result.lines.filter((line) => !line.includes('warning:'))).toEqual([]);
    expect(result.state.tables).toHaveLength(1);
  });

  it('rejects 50 declared tags plus baseline tags that add up to 51', () => {
    const result = validate({ 'customers.yaml': customersWith('  tags: { cost-center: payments }', `  tags: ${tags(50)}`) }, POLICY);
    // POLICY's baseline adds managed-by: the table would carry 51 tags, one more than DynamoDB allows.
    expect(result.lines).toEqual(['desired-state/tables/customers.yaml:9:3 spec.tags: 51 tags with the policy baseline\'s; DynamoDB allows at most 50 per table']);
  });

  it.each([
    ['49 declared tags and spec.backup: 50 with the tag apply adds', 49, []],
    [
      '50 declared tags and spec.backup: 51 with the tag apply adds',
      50,
      ["desired-state/tables/customers.yaml:10:3 spec.tags: 51 tags with the policy baseline's and the tablewarden:backup-plan tag apply adds for spec.backup; DynamoDB allows at most 50 per table"],
    ],
  ])('counts the tablewarden:backup-plan tag a backup plan adds: %s', (_case, count, expected) => {
    // Prepare: no baseline tags, so only the declared ones and the backup tag count.
    const policy = POLICY.replace('    tags: { managed-by: tablewarden }\n', '');
    const text = customersWith('  tags: { cost-center: payments }', `  backup: { plan: daily-35d }\n  tags: ${tags(count)}`);
    // Act
    const result = validate({ 'customers.yaml': text }, policy);
    // Assess: TagResource would fail halfway through an apply on the 51st tag.
    expect(result.lines.filter((line) => !line.includes('warning:'))).toEqual(expected);
  });
});

describe('cross-file key checks', () => {
  it('rejects two tables that give one KMS alias different rotation periods', () => {
    // Prepare
    const withKey = (name: string, days: number) =>
      CUSTOMERS.replace('Customers', name).replace('  tags:', `  encryption: { type: CUSTOMER_MANAGED, kmsKeyAlias: alias/shared, rotationPeriodDays: ${days} }\n  tags:`);
    // Act
    const result = validate({ 'customers.yaml': withKey('Customers', 365), 'orders.yaml': withKey('Orders', 90) });
    // Assess
    expect(result.lines).toEqual([
      'desired-state/tables/orders.yaml:4:1 spec.encryption.rotationPeriodDays: alias/shared rotates every 365 days in desired-state/tables/customers.yaml but every 90 days here; tables sharing a key must agree',
    ]);
    expect(result.state.tables.map((table) => table.name)).toEqual(['Customers']);
  });
});
