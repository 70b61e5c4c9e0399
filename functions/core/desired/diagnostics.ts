/**
 * Validation messages that point at `file:line:column` and a field path, the way compilers do.
 */

/** One validation message. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  file: string;
  line: number;
  column: number;
  /** Dotted field path, e.g. `spec.billing.readCapacity` or `spec.globalSecondaryIndexes[0].name`. */
  field: string;
  message: string;
}

/** `spec.globalSecondaryIndexes[0].name` from a zod-style path. */
export function formatFieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out || '(document)';
}

/** `file:line:col field: message` (warnings say so). */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const prefix = diagnostic.severity === 'warning' ? 'warning: ' : '';
  return `${diagnostic.file}:${diagnostic.line}:${diagnostic.column} ${diagnostic.field}: ${prefix}${diagnostic.message}`;
}

/** Sort by file, then position, so output is stable and reads top to bottom. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}
