/**
 * Hostile and broken desired-state files, through the pure parser and the planner: a file that fails to parse
 * still claims its table (never unmanaged, never remediated), a table in two files is applied from neither, and
 * hostile YAML becomes a positioned error instead of an exception.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../functions/core/desired/diagnostics.ts';
import { parseDesiredState, type SourceFile } from '../../functions/core/desired/parse.ts';
import { decodeYamlBytes } from '../../functions/core/desired/yaml-source.ts';
import { plan } from '../../functions/core/plan/planner.ts';
import { driftedAccount, NOW } from '../support/scenario.ts';

const REMEDIATE = `apiVersion: tablewarden.io/v1
kind: Policy
spec:
  baseline:
    pointInTimeRecovery: { enabled: true }
    deletionProtection: true
  unmanagedTables: remediate
`;

const table = (name: string) => `apiVersion: tablewarden.io/v1
kind: Table
metadata:
  name: ${name}
spec:
  keySchema:
    partitionKey: { name: id, type: S }
`;

function validate(tables: Record<string, string>, policy: string | null = REMEDIATE) {
  const files: SourceFile[] = policy === null ? [] : [{ path: 'desired-state/policy.yaml', text: policy }];
  for (const [name, text] of Object.entries(tables)) files.push({ path: `desired-state/tables/${name}`, text });
  const result = parseDesiredState(files, { now: NOW });
  return { ...result, lines: result.diagnostics.map(formatDiagnostic) };
}

/** Plan the drifted sample account (it holds an unmanaged `legacy-sessions` table) with this desired state. */
function planLegacy(result: ReturnType<typeof validate>) {
  const planned = plan({ desired: result.state, observed: driftedAccount(), now: NOW });
  return planned.tables.filter((candidate) => candidate.name === 'legacy-sessions');
}

const CONFLICTED = `apiVersion: tablewarden.io/v1
kind: Table
metadata:
<<<<<<< HEAD
  name: legacy-sessions
=======
  name: legacy_sessions_v2
>>>>>>> rename
spec:
  keySchema:
    partitionKey: { name: id, type: S }
`;

describe('a file that fails to parse still claims its table', () => {
  it('claims both names of a merge conflict (read by line scan) and the table is an error, never remediated', () => {
    // Prepare
    const result = validate({ 'sessions.yaml': CONFLICTED });
    // Act
    const rows = planLegacy(result);
    // Assess
    expect(result.failed).toBe(true);
    expect(result.state.invalidTables).toEqual([
      expect.objectContaining({ name: 'legacy-sessions', file: 'desired-state/tables/sessions.yaml', claims: { names: ['legacy-sessions', 'legacy_sessions_v2'], stem: 'sessions' } }),
    ]);
    expect(rows).toEqual([expect.objectContaining({ status: 'error', managed: true, actions: [] })]);
  });

  it.each([
    ['a non-string metadata.name', table('[legacy-sessions]').replace('name: [legacy-sessions]', 'name: { first: x }')],
    ['a YAML syntax error before metadata', `apiVersion: tablewarden.io/v1\nkind: Table\nspec: { keySchema: [ }\n`],
    ['an empty file', ''],
  ])('claims the table its file stem names when the file has %s', (_case, text) => {
    // Prepare
    const result = validate({ 'legacy-sessions.yaml': text });
    // Act
    const rows = planLegacy(result);
    // Assess
    expect(result.failed).toBe(true);
    expect(rows).toEqual([expect.objectContaining({ name: 'legacy-sessions', status: 'error', managed: true, actions: [] })]);
  });

  it('claims by stem the way the name-mismatch warning compares names: case and punctuation do not matter', () => {
    // Prepare
    const result = validate({ 'Legacy.Sessions.yml': 'not: [valid' });
    // Act
    const rows = planLegacy(result);
    // Assess
    expect(rows.map((row) => [row.status, row.actions.length])).toEqual([['error', 0]]);
  });

  it('claims a readable metadata.name even when the rest of the file is invalid', () => {
    // Prepare
    const result = validate({ 'other.yaml': table('legacy-sessions').replace('type: S', 'type: X') });
    // Act
    const rows = planLegacy(result);
    // Assess
    expect(rows.map((row) => [row.status, row.actions.length])).toEqual([['error', 0]]);
  });
});

describe('a table declared in two files', () => {
  it('makes both files errors and plans the table from neither', () => {
    // Prepare
    const result = validate({ 'a.yaml': table('legacy-sessions'), 'legacy-sessions.yaml': table('legacy-sessions') });
    // Act
    const rows = planLegacy(result);
    // Assess
    expect(result.lines.filter((line) => line.includes('is declared in 2 files'))).toEqual([
      'desired-state/tables/a.yaml:4:9 metadata.name: table "legacy-sessions" is declared in 2 files (also desired-state/tables/legacy-sessions.yaml:4); each table needs exactly one file, so none of them is applied',
      'desired-state/tables/legacy-sessions.yaml:4:9 metadata.name: table "legacy-sessions" is declared in 2 files (also desired-state/tables/a.yaml:4); each table needs exactly one file, so none of them is applied',
    ]);
    expect(result.state.tables).toEqual([]);
    expect(rows.every((row) => row.status === 'error' && row.actions.length === 0)).toBe(true);
  });

  it('withholds a valid file whose table another, broken file claims', () => {
    // Prepare
    const result = validate({ 'legacy-sessions.yaml': '<<<<<<< HEAD\n', 'sessions.yaml': table('legacy-sessions') });
    // Act
    const rows = planLegacy(result);
    // Assess
    expect(result.state.tables).toEqual([]);
    expect(result.lines).toContain('desired-state/tables/sessions.yaml:4:9 metadata.name: table "legacy-sessions" is also claimed by desired-state/tables/legacy-sessions.yaml, which is invalid; fix or remove one of them');
    expect(rows.every((row) => row.status === 'error' && row.actions.length === 0)).toBe(true);
  });
});

describe('policy.yaml', () => {
  it('warns once that there is no baseline when policy.yaml is missing', () => {
    // Prepare / Act
    const result = validate({ 'legacy-sessions.yaml': table('legacy-sessions') }, null);
    // Assess
    expect(result.failed).toBe(false);
    expect(result.lines).toEqual([
      'desired-state/policy.yaml:1:1 (file): warning: policy.yaml not found: no account baseline applies, unmanaged tables are only reported, and no tags are required',
    ]);
  });

  it('turns a reader problem (not a regular file) into an error naming the path, and trusts no table', () => {
    // Prepare
    const files: SourceFile[] = [
      { path: 'desired-state/policy.yaml', text: '', problem: 'is a directory, not a file' },
      { path: 'desired-state/tables/legacy-sessions.yaml', text: table('legacy-sessions') },
    ];
    // Act
    const result = parseDesiredState(files, { now: NOW });
    // Assess
    expect(result.diagnostics.map(formatDiagnostic)).toEqual(['desired-state/policy.yaml:1:1 (file): is a directory, not a file']);
    expect(result.state.tables).toEqual([]);
  });
});

describe('hostile YAML', () => {
  const BOMB = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]', 'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]', 'f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]'].join('\n') + '\n';

  it.each([
    ['an alias bomb', BOMB, 'desired-state/tables/bomb.yaml:2:8 (syntax): YAML syntax error: aliases expand too far (more than 100 alias expansions); tablewarden files need no aliases'],
    ['two documents', `${table('bomb')}---\n${table('bomb2')}`, 'desired-state/tables/bomb.yaml:8:1 (syntax): YAML syntax error: one document per file: found a second document (---)'],
    ['a NUL byte', 'apiVersion: tablewarden.io/v1\nkind: Ta\u0000ble\n', 'desired-state/tables/bomb.yaml:2:9 (file): binary content (a NUL byte); desired-state files must be UTF-8 text'],
    ['UTF-16 decoded as UTF-8', '\uFFFD\uFFFDa\u0000p\u0000', 'desired-state/tables/bomb.yaml:1:1 (file): is UTF-16 (it starts with a UTF-16 byte order mark); desired-state files must be UTF-8'],
    ['more than 1 MiB', `# ${'x'.repeat(1024 * 1024)}\n`, 'desired-state/tables/bomb.yaml:1:1 (file): file is larger than 1 MiB (1048579 bytes); desired-state files are small'],
  ])('turns %s into a positioned error, and still validates the other tables', (_case, text, expected) => {
    // Prepare / Act
    const result = validate({ 'bomb.yaml': text, 'legacy-sessions.yaml': table('legacy-sessions') });
    // Assess
    expect(result.lines).toEqual([expected]);
    expect(result.state.tables.map((valid) => valid.name)).toEqual(['legacy-sessions']);
    expect(result.state.invalidTables).toEqual([expect.objectContaining({ file: 'desired-state/tables/bomb.yaml' })]);
  });

  it('accepts a UTF-8 byte order mark', () => {
    const result = validate({ 'legacy-sessions.yaml': `\uFEFF${table('legacy-sessions')}` });
    expect(result.lines).toEqual([]);
    expect(result.state.tables.map((valid) => valid.name)).toEqual(['legacy-sessions']);
  });

  it.each([
    ['UTF-16 LE with a byte order mark', [0xff, 0xfe, 0x61, 0x00], { problem: 'is UTF-16 (byte order mark FF FE); desired-state files must be UTF-8' }],
    ['UTF-16 BE with a byte order mark', [0xfe, 0xff, 0x00, 0x61], { problem: 'is UTF-16 (byte order mark FE FF); desired-state files must be UTF-8' }],
    ['invalid UTF-8', [0x61, 0xc3, 0x28], { problem: 'is not valid UTF-8; desired-state files must be UTF-8' }],
    ['UTF-8 with a byte order mark', [0xef, 0xbb, 0xbf, 0x61, 0x3a, 0x20, 0x31], { text: '\uFEFFa: 1' }],
  ])('decodes bytes: %s', (_case, bytes, expected) => {
    expect(decodeYamlBytes(Uint8Array.from(bytes))).toEqual(expected);
  });
});
