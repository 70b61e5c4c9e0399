/**
 * Parsing YAML while keeping positions, so every validation error can point at `file:line:column`.
 *
 * The `yaml` package keeps source ranges on every node; we walk the document along a zod issue path to find the
 * node the issue is about. A path that runs into a missing key resolves to the nearest existing parent, which is
 * where a person has to add the missing field.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

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

/** Parse one YAML file, keeping positions. Never throws on bad YAML: errors are returned. */
export function parseYamlSource(path: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number | undefined): { line: number; column: number } => {
    if (offset === undefined) return { line: 1, column: 1 };
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const syntaxErrors = document.errors.map((error) => ({
    ...position(error.pos[0]),
    message: error.message.split('\n')[0] ?? error.message,
  }));

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
    value: document.errors.length > 0 ? undefined : (document.toJS() as unknown),
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
