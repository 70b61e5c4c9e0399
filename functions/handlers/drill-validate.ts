/**
 * Lambda: validate a drill's copy (functions/run/drill.ts validateDrill): shape and encryption, exact count, the
 * two-way sample by checksum, the declared checks, RTO, and what a real restore would have to re-apply. Read-only.
 */
import { DYNAMODB_CLIENT, KMS_CLIENT } from '../aws/clients.ts';
import { validateDrill, type DrillState, type DrillTarget } from '../run/drill.ts';
import { runDependencies, S3_RUN_STORE, type HandlerPorts } from '../run/ports.ts';
import { drillValidateEventSchema } from './drill-contracts.ts';
import { logger, parseEvent } from './runtime.ts';

/**
 * What it uses (infra/permissions.ts grants the same): DynamoDB reads of the source and the copy, KMS reads, and the
 * run store for the declared checks drill-targets moved there.
 */
const PORTS: HandlerPorts = { clients: [DYNAMODB_CLIENT, KMS_CLIENT], store: S3_RUN_STORE };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<DrillState> {
  const { target, drill, now } = parseEvent(drillValidateEventSchema, event, 'drill-validate');
  const validated = await validateDrill(runDependencies('drill-validate', PORTS), { target: target as unknown as DrillTarget, drill: drill as unknown as DrillState, ...(now ? { now } : {}) });
  logger.info('drill validated', { table: validated.table, passed: validated.validation?.passed, reasons: validated.validation?.reasons, counts: validated.validation?.counts });
  return validated;
}
