/**
 * Parsing YAML while keeping positions, so every validation error can point at `file:line:column`.
 *
 * The `yaml` package keeps source ranges on every node; we walk the document along a zod issue path to find the
 * node the issue is about. A path that runs into a missing key resolves to the nearest existing parent, which is
 * where a person has to add the missing field.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';

/**
 * The largest desired-state file read, in bytes. A table file is a few hundred bytes; the cap keeps a stray dump
 * or a generated monster from costing seconds of parsing (or memory) in `validate`, `plan` and the operator.
 */
export const MAX_FILE_BYTES = 1024 * 1024;

/**
 * How many alias expansions a document may make. tablewarden files need none; a few are harmless, and the limit
 * turns a "billion laughs" alias bomb into an error instead of gigabytes of memory.
 */
const MAX_ALIAS_COUNT = 100;

/**
 * Bytes of a desired-state file to text: UTF-8 only (a UTF-8 byte order mark is kept; the parser drops it).
 * Why strict decoding: a UTF-16 file decoded as UTF-8 turns into NUL-riddled text whose errors make no sense to a
 * person, and replacement characters could silently change a name. Pure (TextDecoder is a language global).
 */
export function decodeYamlBytes(bytes: Uint8Array): { text: string } | { problem: string } {
  const bom = (a: number, b: number) => bytes[0] === a && bytes[1] === b;
  if (bom(0xff, 0xfe) || bom(0xfe, 0xff)) {
    const mark = bom(0xff, 0xfe) ? 'FF FE' : 'FE FF';
    return { problem: `is UTF-16 (byte order mark ${mark}); desired-state files must be UTF-8` };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    return { problem: 'is not valid UTF-8; desired-state files must be UTF-8' };
  }
}

/** A position in a source file, 1-based as editors show it. */
export interface SourcePosition {
  line: number;
  column: number;
  /** False when the path does not exist in the file (a missing field); the position is then its parent's. */
  exists: boolean;
}

/** A parsed YAML file with the means to locate a path in it. */
export interface YamlSource {
  path: string;
  document: Document.Parsed;
  /** Plain JavaScript value of the document (undefined for an empty file). */
  value: unknown;
  /** YAML syntax errors, already positioned. */
  syntaxErrors: Array<{ line: number; column: number; message: string }>;
  /** Where a path (as zod reports it) is in the file. */
  locate(path: ReadonlyArray<PropertyKey>): SourcePosition;
  /** Where a key of the mapping at `path` is written (for unknown-key errors). */
  locateKey(path: ReadonlyArray<PropertyKey>, key: string): SourcePosition;
}

/**
 * Parse one YAML file, keeping positions. Never throws on bad YAML: errors are returned, including the hostile
 * kinds (a second document, an alias bomb, nesting the parser refuses).
 */
export function parseYamlSource(path: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  let document: Document.Parsed;
  try {
    document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    // The parser guards itself against resource exhaustion; this is the belt to its braces.
    document = parseDocument('', { lineCounter: new LineCounter() });
    return {
      path,
      document,
      value: undefined,
      syntaxErrors: [{ line: 1, column: 1, message: `cannot be parsed: ${(error as Error).message}` }],
      locate: () => ({ line: 1, column: 1, exists: false }),
      locateKey: () => ({ line: 1, column: 1, exists: false }),
    };
  }
  const position = (offset: number | undefined): { line: number; column: number } => {
    if (offset === undefined) return { line: 1, column: 1 };
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const syntaxErrors = document.errors.map((error) => ({
    ...position(error.pos[0]),
    message: error.code === 'MULTIPLE_DOCS' ? 'one document per file: found a second document (---)' : (error.message.split('\n')[0] ?? error.message),
  }));
  let value: unknown;
  if (document.errors.length === 0) {
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    } catch (error) {
      // toJS throws a ReferenceError on an alias bomb; point at the first alias, where the expansion starts.
      let first: number | undefined;
      visit(document, {
        Alias(_key, node) {
          first = node.range?.[0];
          return visit.BREAK;
        },
      });
      const aliases = /alias/i.test((error as Error).message);
      syntaxErrors.push({
        ...position(first),
        message: aliases ? `aliases expand too far (more than ${MAX_ALIAS_COUNT} alias expansions); tablewarden files need no aliases` : `cannot be read: ${(error as Error).message}`,
      });
    }
  }

  const walk = (segments: ReadonlyArray<PropertyKey>): { node: unknown; at: number | undefined; exists: boolean } => {
    let node: unknown = document.contents;
    let at: number | undefined = (document.contents as Node | null)?.range?.[0];
    for (const segment of segments) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) return { node, at, exists: false };
        const value = pair.value as Node | null;
        // Point at the value when it is a scalar (that is what is wrong), else at the key that opens the block.
        at = (pair.key as Node).range?.[0] ?? at;
        if (isScalar(value)) at = value.range?.[0] ?? at;
        node = value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (!item) return { node, at, exists: false };
        at = item.range?.[0] ?? at;
        node = item;
      } else {
        return { node, at, exists: false };
      }
    }
    return { node, at, exists: true };
  };

  return {
    path,
    document,
    value,
    syntaxErrors,
    locate(segments) {
      const { at, exists } = walk(segments);
      return { ...position(at), exists };
    },
    locateKey(segments, key) {
      const { node } = walk(segments);
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === key);
        if (pair) return { ...position((pair.key as Node).range?.[0]), exists: true };
      }
      return this.locate(segments);
    },
  };
}

/**
 * Table names a file points at through `metadata.name`, read as best we can even from a file that fails to parse,
 * so the table stays claimed (reported invalid, never treated as unmanaged). Two sources, both conservative:
 * the partial document (any scalar `metadata.name`, whatever its type), and a line scan for `name:` under a
 * top-level `metadata:` that looks through merge-conflict markers, so both sides of a conflict are claimed.
 */
export function readableTableNames(text: string, document?: Document.Parsed): string[] {
  const names: string[] = [];
  const add = (raw: unknown) => {
    if (raw === null || raw === undefined || typeof raw === 'object') return;
    const name = String(raw).trim();
    if (name && !names.includes(name)) names.push(name);
  };
  const metadata = isMap(document?.contents) ? document.contents.get('metadata', true) : undefined;
  if (isMap(metadata)) {
    const name = metadata.get('name', true);
    if (isScalar(name)) add(name.value);
  }
  // Plain or quoted scalars only: a flow collection, anchor, alias, tag or block scalar is not a name to claim.
  const fromLine = (raw: string) => {
    const value = raw.replace(/\s+#.*$/, '').trim();
    if (!value || /^[[{&*|>!]/.test(value)) return;
    add(value.replace(/^(["'])(.*)\1$/, '$2'));
  };
  let keyIndent: number | undefined; // the indentation of metadata's own keys, once seen; undefined: not inside
  let inMetadata = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^(<{7}|={7}|>{7}|\|{7})/.test(line)) continue; // merge-conflict markers: look through them
    const flow = /^metadata:\s*\{(.*)$/.exec(line);
    if (flow) {
      const name = /(?:^|[{,\s])name:\s*("[^"]*"|'[^']*'|[^,}]+)/.exec(flow[1] ?? '');
      if (name?.[1]) fromLine(name[1]);
      inMetadata = false;
      continue;
    }
    if (/^metadata:\s*(#.*)?$/.test(line)) {
      inMetadata = true;
      keyIndent = undefined;
      continue;
    }
    if (!inMetadata || /^\s*(#.*)?$/.test(line)) continue;
    if (/^\S/.test(line)) {
      inMetadata = false;
      continue;
    }
    const indent = /^\s*/.exec(line)?.[0].length ?? 0;
    keyIndent ??= indent;
    const name = indent === keyIndent ? /^\s+name:\s*(.+)$/.exec(line) : null;
    if (name?.[1]) fromLine(name[1]);
  }
  return names;
}
