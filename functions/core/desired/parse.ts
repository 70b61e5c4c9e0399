/**
 * From YAML files to a validated, merged desired state — pure, so the CLI, the Lambda handlers and the tests all
 * validate exactly the same way. Reading files (from disk or from an S3 bundle) is the caller's job.
 *
 * Validation happens in three layers: YAML syntax, the zod schema of each file, and checks across files (duplicate
 * table names, backup plans and waivers that refer to nothing, required tags). A table with errors is left out of
 * the desired state and listed in `invalidTables`, so the rest of the account can still be reconciled.
 */
import type * as z from 'zod';
import { CONTROL_IDS, UNWAIVABLE_CONTROLS } from '../controls/index.ts';
import { comparableTableName, type DesiredState, type DesiredTable, type InvalidTable } from '../model/desired.ts';
import { formatFieldPath, type Diagnostic } from './diagnostics.ts';
import { BACKUP_PLAN_TAG_KEY } from '../backup-plan-selection.ts';
import { MAX_TAGS, policyFileSchema, tableFileSchema, type Policy, type TableFile } from './schema.ts';
import { knownKeysAt } from './schema-keys.ts';
import { closestMatch } from './suggest.ts';
import { MAX_FILE_BYTES, parseYamlSource, readableTableNames, type YamlSource } from './yaml-source.ts';
import { contributorInsightsWarnings } from './contributor-insights.ts';

/** A desired-state file as text, with the path to show in messages (relative to the repo is friendliest). */
export interface SourceFile {
  path: string;
  text: string;
  /**
   * Why the reader could not give this file's text (a directory, a FIFO, a dangling link, too big, not UTF-8),
   * worded to follow the path: "is a directory, not a file". The file still takes part, so the problem is
   * reported with its path and the table its name points at stays claimed. `text` is then empty.
   */
  problem?: string;
}

/** The outcome of validation. `state` is always usable: invalid tables are simply not in it. */
export interface ValidationResult {
  state: DesiredState;
  diagnostics: Diagnostic[];
  /** True when any diagnostic is an error. */
  failed: boolean;
}

/** Is this path the policy file? */
export function isPolicyPath(path: string): boolean {
  return /(^|[\\/])policy\.ya?ml$/.test(path);
}

const DEFAULT_POLICY: Policy = policyFileSchema.shape.spec.parse({});

interface Located {
  source: YamlSource;
  diagnostics: Diagnostic[];
}

function at(source: YamlSource, path: ReadonlyArray<PropertyKey>, message: string, severity: Diagnostic['severity'] = 'error'): Diagnostic {
  const { line, column } = source.locate(path);
  return { severity, file: source.path, line, column, field: formatFieldPath(path), message };
}

/** Turn zod issues into positioned, human-worded diagnostics. */
function issuesToDiagnostics(source: YamlSource, schema: z.ZodType, issues: z.core.$ZodIssue[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_key') {
      // A record key (a tag key) that breaks a rule: point at the key and say which rule, not "Invalid key in record".
      const key = String(issue.path[issue.path.length - 1] ?? '');
      const { line, column } = source.locateKey(issue.path.slice(0, -1), key);
      out.push({ severity: 'error', file: source.path, line, column, field: formatFieldPath(issue.path), message: issue.issues.map((inner) => inner.message).join('; ') });
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const { line, column } = source.locateKey(issue.path, key);
        const hint = closestMatch(key, known);
        out.push({
          severity: 'error',
          file: source.path,
          line,
          column,
          field: formatFieldPath([...issue.path, key]),
          message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : known.length ? ` (allowed: ${known.join(', ')})` : ''}`,
        });
      }
      continue;
    }
    const position = source.locate(issue.path);
    let message = issue.message;
    if (!position.exists) {
      const field = String(issue.path[issue.path.length - 1] ?? '');
      const provisioned = (field === 'readCapacity' || field === 'writeCapacity') && issue.path.includes('billing');
      message = provisioned ? 'is required when billing mode is PROVISIONED' : issue.code === 'invalid_value' ? `is required (${issue.message})` : 'is required';
    } else if (issue.code === 'invalid_type') {
      message = message.replace(/^Invalid input: /, '');
    } else if (issue.code === 'invalid_union' && issue.path.length > 0) {
      message = `is not valid here (${message.replace(/^Invalid input/, 'see the documentation for the allowed forms')})`;
    }
    out.push({ severity: 'error', file: source.path, line: position.line, column: position.column, field: formatFieldPath(issue.path), message });
  }
  return out;
}

/** A problem with the file as a whole (unreadable, too big, not UTF-8 text), reported before any YAML parsing. */
function fileProblem(file: SourceFile): { line: number; column: number; message: string } | undefined {
  if (file.problem !== undefined) return { line: 1, column: 1, message: file.problem };
  // Cheap length check first; UTF-8 bytes are at most 3 per UTF-16 code unit.
  if (file.text.length * 3 > MAX_FILE_BYTES) {
    const bytes = new TextEncoder().encode(file.text).byteLength;
    if (bytes > MAX_FILE_BYTES) return { line: 1, column: 1, message: `file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB (${bytes} bytes); desired-state files are small` };
  }
  // A UTF-16 byte order mark that someone decoded as UTF-8 (in a bundle made by another tool, say).
  if (file.text.startsWith('\uFFFD\uFFFD')) return { line: 1, column: 1, message: 'is UTF-16 (it starts with a UTF-16 byte order mark); desired-state files must be UTF-8' };
  const text = file.text.replace(/^\uFEFF/, '');
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    const before = text.slice(0, nul);
    return { line: before.split('\n').length, column: nul - (before.lastIndexOf('\n') + 1) + 1, message: 'binary content (a NUL byte); desired-state files must be UTF-8 text' };
  }
  return undefined;
}

function readFile(file: SourceFile): Located & { value: unknown } {
  const problem = fileProblem(file);
  // Positions count from the first visible character: drop a UTF-8 byte order mark before parsing.
  const source = parseYamlSource(file.path, problem ? '' : file.text.replace(/^\uFEFF/, ''));
  if (problem) return { source, value: undefined, diagnostics: [{ severity: 'error', file: file.path, ...problem, field: '(file)', message: problem.message }] };
  // Git conflict markers make a cascade of baffling YAML errors; one clear error at the first marker says it all.
  const marker = /^(<{7}|>{7})( |$)/m.exec(file.text);
  if (marker) {
    const line = file.text.slice(0, marker.index).split('\n').length;
    return { source, value: undefined, diagnostics: [{ severity: 'error', file: file.path, line, column: 1, field: '(syntax)', message: `unresolved git merge conflict (a "${marker[1]}" marker); resolve it and validate again` }] };
  }
  const diagnostics: Diagnostic[] = source.syntaxErrors.map((error) => ({
    severity: 'error',
    file: file.path,
    line: error.line,
    column: error.column,
    field: '(syntax)',
    message: `YAML syntax error: ${error.message}`,
  }));
  if (diagnostics.length === 0 && (source.value === undefined || source.value === null)) {
    diagnostics.push({ severity: 'error', file: file.path, line: 1, column: 1, field: '(document)', message: 'file is empty; expected a tablewarden.io/v1 document' });
  }
  return { source, diagnostics, value: source.value };
}

/** Normalise a table name or file stem for the "does the file name match" warning (and for claims by stem). */
const comparable = comparableTableName;

function fileStem(path: string): string {
  return (path.split(/[\\/]/).pop() ?? path).replace(/\.ya?ml$/, '');
}

/** Checks inside one table that a schema cannot express. */
function tableChecks(source: YamlSource, table: TableFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { spec } = table;
  const attributeTypes = new Map<string, { type: string; path: PropertyKey[] }>();
  const keyUse = (key: { name: string; type: string } | undefined, path: PropertyKey[]) => {
    if (!key) return;
    const seen = attributeTypes.get(key.name);
    if (seen && seen.type !== key.type) {
      out.push(at(source, [...path, 'type'], `attribute "${key.name}" is ${key.type} here but ${seen.type} at ${formatFieldPath(seen.path)}; DynamoDB needs one type per attribute`));
    } else if (!seen) {
      attributeTypes.set(key.name, { type: key.type, path });
    }
  };
  keyUse(spec.keySchema.partitionKey, ['spec', 'keySchema', 'partitionKey']);
  keyUse(spec.keySchema.sortKey, ['spec', 'keySchema', 'sortKey']);
  if (spec.keySchema.sortKey && spec.keySchema.sortKey.name === spec.keySchema.partitionKey.name) {
    out.push(at(source, ['spec', 'keySchema', 'sortKey', 'name'], 'the sort key must be a different attribute from the partition key'));
  }
  const provisioned = spec.billing?.mode === 'PROVISIONED';
  const indexNames = new Map<string, string>();
  (spec.globalSecondaryIndexes ?? []).forEach((index, i) => {
    const path = ['spec', 'globalSecondaryIndexes', i];
    keyUse(index.partitionKey, [...path, 'partitionKey']);
    keyUse(index.sortKey, [...path, 'sortKey']);
    if (indexNames.has(index.name)) out.push(at(source, [...path, 'name'], `index name "${index.name}" is already used at ${indexNames.get(index.name)}`));
    indexNames.set(index.name, formatFieldPath(path));
    const hasCapacity = index.readCapacity !== undefined || index.writeCapacity !== undefined;
    if (provisioned && (index.readCapacity === undefined || index.writeCapacity === undefined)) {
      out.push(at(source, path, 'readCapacity and writeCapacity are required on every index when billing mode is PROVISIONED'));
    } else if (!provisioned && hasCapacity) {
      out.push(at(source, [...path, index.readCapacity !== undefined ? 'readCapacity' : 'writeCapacity'], 'index capacities are only allowed with billing mode PROVISIONED'));
    }
  });
  (spec.localSecondaryIndexes ?? []).forEach((index, i) => {
    const path = ['spec', 'localSecondaryIndexes', i];
    keyUse(index.sortKey, [...path, 'sortKey']);
    if (!spec.keySchema.sortKey) out.push(at(source, path, 'local secondary indexes need a table with a sort key'));
    if (indexNames.has(index.name)) out.push(at(source, [...path, 'name'], `index name "${index.name}" is already used at ${indexNames.get(index.name)}`));
    indexNames.set(index.name, formatFieldPath(path));
  });
  return out;
}

/** Checks on a table after the policy baseline is merged under it. */
function mergedChecks(
  source: YamlSource,
  table: DesiredTable,
  policy: Policy,
  now: Date,
  waivers: TableFile['spec']['waivers'],
): { diagnostics: Diagnostic[]; activeWaivers: DesiredTable['waivers']; expiredWaivers: DesiredTable['waivers'] } {
  const out: Diagnostic[] = [];
  const { spec } = table;
  const declared = (field: string) => source.locate(['spec', field]).exists;
  if (spec.backup && !policy.backupPlans[spec.backup.plan]) {
    const where = declared('backup') ? ['spec', 'backup', 'plan'] : ['spec'];
    const hint = closestMatch(spec.backup.plan, Object.keys(policy.backupPlans));
    out.push(at(source, where, `backup plan "${spec.backup.plan}" is not defined in policy.yaml backupPlans${hint ? ` (did you mean "${hint}"?)` : ''}`));
  }
  const drill = spec.restoreDrill;
  if (drill?.source === 'aws-backup' && !spec.backup) {
    out.push(at(source, declared('restoreDrill') ? ['spec', 'restoreDrill', 'source'] : ['spec'], 'restore drills from aws-backup need spec.backup'));
  }
  if (drill?.source === 'pitr' && !spec.pointInTimeRecovery?.enabled) {
    out.push(at(source, declared('restoreDrill') ? ['spec', 'restoreDrill', 'source'] : ['spec'], 'restore drills from pitr need pointInTimeRecovery.enabled: true'));
  }
  if (drill?.checks && spec.keySchema) out.push(...drillCheckDiagnostics(source, drill.checks, spec.keySchema, declared('restoreDrill')));
  for (const key of policy.requiredTags) {
    if (spec.tags?.[key] === undefined) {
      out.push(at(source, declared('tags') ? ['spec', 'tags'] : ['spec'], `required tag "${key}" (policy.yaml requiredTags) is missing`));
    }
  }
  const today = now.toISOString().slice(0, 10);
  const activeWaivers: DesiredTable['waivers'] = [];
  const expiredWaivers: DesiredTable['waivers'] = [];
  const waived = new Set<string>();
  (waivers ?? []).forEach((waiver, i) => {
    const path = ['spec', 'waivers', i];
    if (!(CONTROL_IDS as readonly string[]).includes(waiver.control)) {
      const hint = closestMatch(waiver.control, CONTROL_IDS);
      out.push(at(source, [...path, 'control'], `unknown control "${waiver.control}"${hint ? ` (did you mean "${hint}"?)` : ''}`));
    } else if (UNWAIVABLE_CONTROLS.has(waiver.control as never)) {
      out.push(at(source, [...path, 'control'], `${waiver.control} cannot be waived; delete the table file to stop managing the table`));
    } else if (waived.has(waiver.control)) {
      out.push(at(source, [...path, 'control'], `${waiver.control} is waived twice`));
    } else if (waiver.expires < today) {
      waived.add(waiver.control);
      out.push(at(source, [...path, 'expires'], `waiver for ${waiver.control} expired on ${waiver.expires} and no longer applies`, 'warning'));
      expiredWaivers.push(waiver);
    } else {
      waived.add(waiver.control);
      activeWaivers.push(waiver);
    }
  });
  out.push(...contributorInsightsWarnings(spec, activeWaivers, declared).map((warning) => at(source, warning.path, warning.message, 'warning')));
  return { diagnostics: out, activeWaivers, expiredWaivers };
}

/** DynamoDB number text (what a drill check's N value may be written as, beyond a YAML number). */
const DRILL_NUMBER_TEXT = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * A drill check names one item by its full primary key: exactly the table's key attributes, each with a value of
 * the attribute's type (S: a string; N: a number, or number text; B: base64). Anything else could never match an
 * item, so the drill would fail (or, for `absent`, pass) for a reason no one meant.
 */
function drillCheckDiagnostics(source: YamlSource, checks: NonNullable<NonNullable<DesiredTable['spec']['restoreDrill']>['checks']>, keySchema: NonNullable<DesiredTable['spec']['keySchema']>, declaredHere: boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  const keys = [keySchema.partitionKey, ...(keySchema.sortKey ? [keySchema.sortKey] : [])];
  const keyNames = keys.map((key) => key.name);
  checks.forEach((check, i) => {
    const path = declaredHere ? ['spec', 'restoreDrill', 'checks', i, 'key'] : ['spec'];
    // A baseline drill's checks are written in policy.yaml: say so, since the table file has no line for them.
    const origin = declaredHere ? '' : `policy.yaml baseline restoreDrill.checks[${i}]: `;
    for (const name of Object.keys(check.key)) {
      if (!keyNames.includes(name)) {
        const hint = closestMatch(name, keyNames);
        out.push(at(source, declaredHere ? [...path, name] : path, `${origin}"${name}" is not a key attribute of this table; a check names an item by its primary key (${keyNames.join(', ')})${hint ? ` (did you mean "${hint}"?)` : ''}`));
      }
    }
    for (const key of keys) {
      const value = check.key[key.name];
      if (value === undefined) {
        out.push(at(source, path, `${origin}is missing key attribute "${key.name}"; a check names an item by its full primary key (${keyNames.join(', ')})`));
        continue;
      }
      const where = declaredHere ? [...path, key.name] : path;
      if (key.type === 'S' && typeof value !== 'string') out.push(at(source, where, `"${key.name}" is a string key (S); write the value as a string`));
      if (key.type === 'N' && typeof value === 'string' && !DRILL_NUMBER_TEXT.test(value)) out.push(at(source, where, `"${key.name}" is a number key (N); "${value}" is not a number`));
      if (key.type === 'N' && typeof value === 'number' && !Number.isFinite(value)) out.push(at(source, where, `"${key.name}" is a number key (N); write a finite number`));
      if (key.type === 'B' && (typeof value !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value))) {
        out.push(at(source, where, `"${key.name}" is a binary key (B); write the value as base64`));
      }
    }
  });
  return out;
}

/** Merge the policy baseline under a table's spec. Table values win; tags merge key by key. */
export function mergeBaseline(spec: TableFile['spec'], baseline: Policy['baseline']): DesiredTable['spec'] {
  const { waivers: _waivers, ...own } = spec;
  const merged: DesiredTable['spec'] = { ...baseline, ...own };
  if (baseline.tags || own.tags) merged.tags = { ...(baseline.tags ?? {}), ...(own.tags ?? {}) };
  // In a table file, leaving `stream` out means "no stream" (the documented contract).
  merged.stream = own.stream ?? 'NONE';
  return merged;
}

/**
 * A KMS key is shared by every table that names its alias, so they must agree on its rotation period; otherwise
 * each run would rotate the key back and forth.
 */
function sharedKeyConflicts(tables: DesiredTable[]): Array<{ table: DesiredTable; diagnostic: Diagnostic }> {
  const first = new Map<string, { period: number; table: DesiredTable }>();
  const out: Array<{ table: DesiredTable; diagnostic: Diagnostic }> = [];
  for (const table of tables) {
    const encryption = table.spec.encryption;
    if (encryption?.type !== 'CUSTOMER_MANAGED') continue;
    const seen = first.get(encryption.kmsKeyAlias);
    if (!seen) {
      first.set(encryption.kmsKeyAlias, { period: encryption.rotationPeriodDays, table });
    } else if (seen.period !== encryption.rotationPeriodDays && table.source) {
      out.push({
        table,
        diagnostic: {
          severity: 'error',
          file: table.source.file,
          line: table.source.line,
          column: 1,
          field: 'spec.encryption.rotationPeriodDays',
          message: `${encryption.kmsKeyAlias} rotates every ${seen.period} days in ${seen.table.source?.file ?? seen.table.name} but every ${encryption.rotationPeriodDays} days here; tables sharing a key must agree`,
        },
      });
    }
  }
  return out;
}

/** Where policy.yaml would be for these table files (`<dir>/tables/x.yaml` → `<dir>/policy.yaml`). */
function policyPathFor(files: SourceFile[]): string {
  const table = files.find((file) => !isPolicyPath(file.path));
  const dir = table ? /^(.*[\\/])?tables[\\/][^\\/]+$/.exec(table.path) : null;
  return `${dir?.[1] ?? ''}policy.yaml`;
}

/** One validated table file on its way into the state, before cross-file checks. */
interface TableCandidate {
  file: SourceFile;
  source: YamlSource;
  diagnostics: Diagnostic[];
  table?: DesiredTable;
  claims: { names: string[]; stem: string };
}

/**
 * Cross-file ownership: a table is applied only when exactly one file declares it and no broken file claims it.
 * Two files for one table, or a valid file plus a broken one, leave the table untouched: which file is right is a
 * person's call, and applying either could undo the other.
 */
function ownershipChecks(candidates: TableCandidate[]): void {
  const declaredBy = new Map<string, TableCandidate[]>();
  for (const candidate of candidates) {
    if (!candidate.table) continue;
    declaredBy.set(candidate.table.name, [...(declaredBy.get(candidate.table.name) ?? []), candidate]);
  }
  const broken = candidates.filter((candidate) => !candidate.table);
  for (const [name, owners] of declaredBy) {
    for (const owner of owners) {
      const where = (other: TableCandidate) => `${other.file.path}:${other.source.locate(['metadata', 'name']).line}`;
      if (owners.length > 1) {
        const others = owners.filter((other) => other !== owner).map(where).join(', ');
        owner.diagnostics.push(at(owner.source, ['metadata', 'name'], `table "${name}" is declared in ${owners.length} files (also ${others}); each table needs exactly one file, so none of them is applied`));
      }
      for (const claimant of broken) {
        const byName = claimant.claims.names.includes(name);
        const byStem = comparable(claimant.claims.stem) !== '' && comparable(claimant.claims.stem) === comparable(name);
        if (byName || byStem) {
          owner.diagnostics.push(at(owner.source, ['metadata', 'name'], `table "${name}" is also claimed by ${claimant.file.path}, which is invalid; fix or remove one of them`));
        }
      }
    }
  }
}

/**
 * Validate and merge a set of desired-state files. Never throws for bad input: every problem becomes a diagnostic.
 * `now` decides which waivers have expired.
 *
 * Claims: a table file that fails validation still claims the tables it points at, so they are reported invalid
 * and never touched (never unmanaged, never remediated): every `metadata.name` that can be read, even from a file
 * that does not parse, and its file stem, compared with table names as {@link comparableTableName} does.
 */
export function parseDesiredState(files: SourceFile[], options: { now: Date }): ValidationResult {
  const diagnostics: Diagnostic[] = [];
  const policyFiles = files.filter((file) => isPolicyPath(file.path));
  let policy: Policy = DEFAULT_POLICY;
  let policyValid = true;
  if (policyFiles.length > 1) {
    diagnostics.push({ severity: 'error', file: policyFiles[1]!.path, line: 1, column: 1, field: '(document)', message: `only one policy.yaml is allowed (also found ${policyFiles[0]!.path})` });
  }
  const policyFile = policyFiles[0];
  if (policyFile) {
    const read = readFile(policyFile);
    diagnostics.push(...read.diagnostics);
    if (read.diagnostics.length === 0) {
      const parsed = policyFileSchema.safeParse(read.value);
      if (parsed.success) policy = parsed.data.spec;
      else diagnostics.push(...issuesToDiagnostics(read.source, policyFileSchema, parsed.error.issues));
    }
    policyValid = !diagnostics.some((diagnostic) => diagnostic.severity === 'error');
  } else {
    // One home for this warning: every command (validate, plan, apply, publish) and the operator parse here.
    diagnostics.push({
      severity: 'warning',
      file: policyPathFor(files),
      line: 1,
      column: 1,
      field: '(file)',
      message: 'policy.yaml not found: no account baseline applies, unmanaged tables are only reported, and no tags are required',
    });
  }

  const tableFiles = files.filter((file) => !isPolicyPath(file.path)).sort((a, b) => (a.path < b.path ? -1 : 1));
  const candidates: TableCandidate[] = tableFiles.map((file) => {
    const read = readFile(file);
    const fileDiagnostics = [...read.diagnostics];
    const candidate: TableCandidate = {
      file,
      source: read.source,
      diagnostics: fileDiagnostics,
      claims: { names: file.problem === undefined ? readableTableNames(file.text.replace(/^\uFEFF/, ''), read.source.document) : [], stem: fileStem(file.path) },
    };
    if (fileDiagnostics.length > 0) return candidate;
    const parsed = tableFileSchema.safeParse(read.value);
    if (!parsed.success) {
      fileDiagnostics.push(...issuesToDiagnostics(read.source, tableFileSchema, parsed.error.issues));
      return candidate;
    }
    const doc = parsed.data;
    fileDiagnostics.push(...tableChecks(read.source, doc));
    if (comparable(fileStem(file.path)) !== comparable(doc.metadata.name)) {
      fileDiagnostics.push(at(read.source, ['metadata', 'name'], `file name "${fileStem(file.path)}" does not match table name "${doc.metadata.name}"; name the file after the table`, 'warning'));
    }
    const table: DesiredTable = {
      name: doc.metadata.name,
      managed: true,
      source: { file: file.path, line: read.source.locate(['metadata', 'name']).line },
      ...(doc.metadata.owner ? { owner: doc.metadata.owner } : {}),
      spec: mergeBaseline(doc.spec, policy.baseline),
      waivers: [],
    };
    const merged = mergedChecks(read.source, table, policy, options.now, doc.spec.waivers);
    fileDiagnostics.push(...merged.diagnostics);
    // Each file's tags fit the schema's cap, but the baseline's merge in, and a backup plan adds the
    // tablewarden:backup-plan tag its selection matches: DynamoDB counts the table's total, and TagResource would
    // fail halfway through an apply on the 51st.
    const addsBackupTag = table.spec.backup !== undefined;
    const tagCount = Object.keys(table.spec.tags ?? {}).length + (addsBackupTag ? 1 : 0);
    if (tagCount > MAX_TAGS) {
      const counted = addsBackupTag ? `the policy baseline's and the ${BACKUP_PLAN_TAG_KEY} tag apply adds for spec.backup` : "the policy baseline's";
      fileDiagnostics.push(at(read.source, read.source.locate(['spec', 'tags']).exists ? ['spec', 'tags'] : ['spec'], `${tagCount} tags with ${counted}; DynamoDB allows at most ${MAX_TAGS} per table`));
    }
    table.waivers = merged.activeWaivers;
    // Kept (not enforced) so the posture report can list them as expired.
    if (merged.expiredWaivers.length > 0) table.expiredWaivers = merged.expiredWaivers;
    if (!fileDiagnostics.some((diagnostic) => diagnostic.severity === 'error')) candidate.table = table;
    return candidate;
  });
  ownershipChecks(candidates);

  const tables: DesiredTable[] = [];
  const invalidTables: InvalidTable[] = [];
  for (const candidate of candidates) {
    diagnostics.push(...candidate.diagnostics);
    const errors = candidate.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    if (candidate.table && errors.length === 0 && policyValid) {
      tables.push(candidate.table);
    } else {
      const reasons = errors.length > 0 ? errors : [{ field: 'policy.yaml', message: 'policy.yaml is invalid' }];
      const names = candidate.table ? [candidate.table.name, ...candidate.claims.names.filter((name) => name !== candidate.table?.name)] : candidate.claims.names;
      invalidTables.push({
        ...(names[0] !== undefined ? { name: names[0] } : {}),
        file: candidate.file.path,
        errors: reasons.map((error) => `${error.field}: ${error.message}`),
        claims: { names, stem: candidate.claims.stem },
      });
    }
  }
  const conflicts = sharedKeyConflicts(tables);
  diagnostics.push(...conflicts.map(({ diagnostic }) => diagnostic));
  for (const { table, diagnostic } of conflicts) {
    tables.splice(tables.indexOf(table), 1);
    invalidTables.push({ name: table.name, file: diagnostic.file, errors: [`${diagnostic.field}: ${diagnostic.message}`], claims: { names: [table.name], stem: fileStem(diagnostic.file) } });
  }
  return {
    state: { policy, tables, invalidTables },
    diagnostics,
    failed: diagnostics.some((diagnostic) => diagnostic.severity === 'error'),
  };
}
