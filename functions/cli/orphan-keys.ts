/**
 * After `tablewarden apply`: say which KMS keys tablewarden created for an alias that does not point to them
 * (functions/aws/observe-kms.ts `findOrphanKeys`). tablewarden never deletes a key, so a person has to decide; a
 * warning on stderr, never a failure of the run.
 */
import type { AwsClients } from '../aws/clients.ts';
import { findOrphanKeys, listKmsAliases } from '../aws/observe-kms.ts';
import type { CommandIo } from './io.ts';

/** Write one warning line per orphan key; a failure to look is itself a warning. */
export async function warnAboutOrphanKeys(clients: AwsClients, io: CommandIo): Promise<void> {
  try {
    const orphans = await findOrphanKeys(clients, await listKmsAliases(clients));
    for (const orphan of orphans) {
      const where = orphan.aliasTarget === undefined ? 'which does not exist (the next apply that needs it adopts this key)' : `which points to key ${orphan.aliasTarget}`;
      io.err.write(
        `tablewarden: warning: KMS key ${orphan.arn} was created by tablewarden for ${orphan.alias} (tag tablewarden:alias), ${where}. tablewarden never deletes keys: check that nothing uses it, then schedule its deletion yourself.\n`,
      );
    }
  } catch (error) {
    io.err.write(`tablewarden: warning: could not look for KMS keys left without their alias: ${(error as Error).message}\n`);
  }
}
