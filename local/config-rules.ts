/**
 * Put one of tablewarden's AWS Config managed rules into the local Config, the way the stack deploys it
 * (infra/config-rules.ts: the managed-rule source, scoped to its resource type, string InputParameters), so the
 * local evaluator (local/strict/config.py) judges the account by it. `npm start` and the workflow tests use it.
 */
import { PutConfigRuleCommand, type ConfigServiceClient } from '@aws-sdk/client-config-service';
import { managedConfigRule, type ConfigRuleIdentifier } from '../functions/core/config/rules.ts';

/** PutConfigRule for `identifier` under `name`, with its parameters when it has any. */
export async function putManagedConfigRule(config: ConfigServiceClient, name: string, identifier: ConfigRuleIdentifier, inputParameters?: Record<string, string>): Promise<void> {
  await config.send(
    new PutConfigRuleCommand({
      ConfigRule: {
        ConfigRuleName: name,
        Source: { Owner: 'AWS', SourceIdentifier: identifier },
        Scope: { ComplianceResourceTypes: [managedConfigRule(identifier).resourceType] },
        ...(inputParameters && Object.keys(inputParameters).length ? { InputParameters: JSON.stringify(inputParameters) } : {}),
      },
    }),
  );
}
