/**
 * `tablewarden schema`: keep desired-state/schema.json in step with the zod schemas.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { desiredStateJsonSchemaText } from '../../core/desired/json-schema.ts';

/** Print, write or check the generated schema. */
export async function runSchema(options: { dir: string; write?: boolean; check?: boolean }): Promise<number> {
  const text = desiredStateJsonSchemaText();
  const path = join(options.dir, 'schema.json');
  if (options.write) {
    await writeFile(path, text);
    process.stdout.write(`wrote ${path}\n`);
    return 0;
  }
  if (options.check) {
    const current = await readFile(path, 'utf8').catch(() => '');
    if (current !== text) {
      process.stderr.write(`${path} is stale; run npm run schema\n`);
      return 1;
    }
    return 0;
  }
  process.stdout.write(text);
  return 0;
}
