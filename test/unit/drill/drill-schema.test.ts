import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../functions/core/desired/diagnostics.ts';
import { parseDesiredState, type SourceFile } from '../../../functions/core/desired/parse.ts';

const NOW = new Date('2026-11-28T12:00:00Z');

const POLICY = `apiVersion: tablewarden.io/v1
kind: Policy
spec:
  baseline: {}
`;

/** Orders (customerID S + orderNo N) with the given restoreDrill block (already indented under spec). */
function orders(drill: string): string {
  return `apiVersion: tablewarden.io/v1
kind: Table
metadata:
  name: Orders
spec:
  keySchema:
    partitionKey: { name: customerID, type: S }
    sortKey: { name: orderNo, type: N }
  pointInTimeRecovery: { enabled: true }
  restoreDrill:
${drill}`;
}

function validate(text: string, policy = POLICY) {
  const files: SourceFile[] = [
    { path: 'desired-state/policy.yaml', text: policy },
    { path: 'desired-state/tables/orders.yaml', text },
  ];
  const result = parseDesiredState(files, { now: NOW });
  return { ...result, lines: result.diagnostics.map(formatDiagnostic) };
}

const BASE = '    schedule: weekly\n    source: pitr\n    maxRestoreMinutes: 30\n';

describe('restoreDrill: maxChangedPercent and checks', () => {
  it('defaults maxChangedPercent to 0 and accepts checks by the full primary key', () => {
    // Prepare
    const text = orders(`${BASE}    checks:\n      - { key: { customerID: c-0001, orderNo: 7 }, expect: present }\n      - { key: { customerID: c-0002, orderNo: "123456789012345678901234" }, expect: absent }\n`);
    // Act
    const result = validate(text);
    // Assess
    expect(result.lines).toEqual([]);
    const drill = result.state.tables[0]?.spec.restoreDrill;
    expect(drill?.maxChangedPercent).toBe(0);
    expect(drill?.sampleSize).toBe(50);
    expect(drill?.checks).toEqual([
      { key: { customerID: 'c-0001', orderNo: 7 }, expect: 'present' },
      { key: { customerID: 'c-0002', orderNo: '123456789012345678901234' }, expect: 'absent' },
    ]);
  });

  it.each([
    ['maxChangedPercent above 100', `${BASE}    maxChangedPercent: 101\n`, /orders\.yaml:14:24 spec\.restoreDrill\.maxChangedPercent: Too big: expected number to be <=100/],
    ['maxChangedPercent below 0', `${BASE}    maxChangedPercent: -1\n`, /orders\.yaml:14:24 spec\.restoreDrill\.maxChangedPercent: Too small: expected number to be >=0/],
    ['unknown expect', `${BASE}    checks:\n      - { key: { customerID: a, orderNo: 1 }, expect: maybe }\n`, /orders\.yaml:15:55 spec\.restoreDrill\.checks\[0\]\.expect: /],
    ['unknown key in a check', `${BASE}    checks:\n      - { key: { customerID: a, orderNo: 1 }, expect: present, note: x }\n`, /spec\.restoreDrill\.checks\[0\]\.note: unknown key "note"/],
    ['attribute that is not a key', `${BASE}    checks:\n      - { key: { customerId: a, orderNo: 1 }, expect: present }\n`, /orders\.yaml:15:30 spec\.restoreDrill\.checks\[0\]\.key\.customerId: "customerId" is not a key attribute of this table; a check names an item by its primary key \(customerID, orderNo\) \(did you mean "customerID"\?\)/],
    ['missing sort key', `${BASE}    checks:\n      - { key: { customerID: a }, expect: present }\n`, /orders\.yaml:15:11 spec\.restoreDrill\.checks\[0\]\.key: is missing key attribute "orderNo"; a check names an item by its full primary key \(customerID, orderNo\)/],
    ['number for a string key', `${BASE}    checks:\n      - { key: { customerID: 12, orderNo: 1 }, expect: present }\n`, /orders\.yaml:15:30 spec\.restoreDrill\.checks\[0\]\.key\.customerID: "customerID" is a string key \(S\); write the value as a string/],
    ['text for a number key', `${BASE}    checks:\n      - { key: { customerID: a, orderNo: seven }, expect: present }\n`, /spec\.restoreDrill\.checks\[0\]\.key\.orderNo: "orderNo" is a number key \(N\); "seven" is not a number/],
  ])('%s is a positioned error', (_case, drill, expected) => {
    // Prepare
    const text = orders(drill);
    // Act
    const result = validate(text);
    // Assess
    expect(result.failed).toBe(true);
    expect(result.lines.join('\n')).toMatch(expected);
    expect(result.state.tables).toEqual([]);
  });

  it('checks a baseline drill against each table key schema, pointing at spec', () => {
    // Prepare
    const policy = `apiVersion: tablewarden.io/v1
kind: Policy
spec:
  baseline:
    restoreDrill: { schedule: weekly, source: dynamodb-backup, maxRestoreMinutes: 30, checks: [{ key: { id: x }, expect: present }] }
`;
    const text = `apiVersion: tablewarden.io/v1
kind: Table
metadata:
  name: Orders
spec:
  keySchema:
    partitionKey: { name: customerID, type: S }
`;
    // Act
    const result = validate(text, policy);
    // Assess
    expect(result.lines).toEqual([
      'desired-state/tables/orders.yaml:5:1 spec: policy.yaml baseline restoreDrill.checks[0]: "id" is not a key attribute of this table; a check names an item by its primary key (customerID)',
      'desired-state/tables/orders.yaml:5:1 spec: policy.yaml baseline restoreDrill.checks[0]: is missing key attribute "customerID"; a check names an item by its full primary key (customerID)',
    ]);
  });
});
