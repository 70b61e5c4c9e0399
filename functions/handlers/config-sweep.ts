/**
 * Lambda: the nightly AWS Config sweep (functions/run/config-sweep.ts). `sweep` reads every configured rule's
 * NON_COMPLIANT resources (CONFIG_RULES) into the run store after load; `evaluate` asks Config to evaluate the rules
 * again once the run has released its lock.
 */
import { CONFIG_CLIENT } from '../aws/clients.ts';
import { CONFIG_RULES_ENV, parseConfigRulesEnv } from '../core/config/rules.ts';
import { reevaluateConfig, sweepConfig } from '../run/config-sweep.ts';
import { runDependencies, S3_RUN_STORE, type HandlerPorts } from '../run/ports.ts';
import { configSweepEventSchema, type ConfigSweepResult } from './config-contracts.ts';
import { logger, parseEvent } from './runtime.ts';

/**
 * What the sweep uses (infra/permissions.ts grants the same): Config's compliance reads and re-evaluation, and the run
 * store (the findings document).
 */
const PORTS: HandlerPorts = { clients: [CONFIG_CLIENT], store: S3_RUN_STORE };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ConfigSweepResult> {
  const { action, runId } = parseEvent(configSweepEventSchema, event, 'config-sweep');
  // Read per invocation (a local operator environment can change between runs); a malformed value throws before any call.
  const rules = parseConfigRulesEnv(process.env[CONFIG_RULES_ENV]);
  const dependencies = runDependencies('config-sweep', PORTS);
  if (action === 'sweep') {
    const ref = await sweepConfig(dependencies, { runId, rules, now: new Date() });
    if (ref.missingRules > 0) logger.warn('config sweep: rules Config does not know', { missingRules: ref.missingRules, findingsKey: ref.findingsKey });
    logger.info('config sweep', { ...ref });
    return { action, ...ref };
  }
  const outcome = await reevaluateConfig(dependencies, { runId, rules });
  if (outcome.missing.length > 0) logger.warn('config re-evaluation: rules Config does not know', { missing: outcome.missing });
  logger.info('config re-evaluation', { ...outcome });
  return { action, started: outcome.started.length, inProgress: outcome.inProgress.length, missing: outcome.missing.length };
}
