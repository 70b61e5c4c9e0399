/**
 * `npm start`: the operator end to end on the embedded local AWS.
 *
 * Boots moto with the gap layer, builds a realistic drifted account, validates desired-state/, observes the
 * account and prints the plan and the posture table. Nothing here reaches real AWS. Later issues extend it to
 * apply the plan and run the workflows.
 */
import { createClients } from '../functions/aws/clients.ts';
import { planAccount } from '../functions/aws/plan-account.ts';
import { readDesiredStateFiles } from '../functions/cli/desired-files.ts';
import { renderPlanText } from '../functions/cli/render-plan.ts';
import { renderPostureTable } from '../functions/cli/render-posture.ts';
import { formatDiagnostic } from '../functions/core/desired/diagnostics.ts';
import { parseDesiredState } from '../functions/core/desired/parse.ts';
import { createDriftedAccount } from './drifted-account.ts';
import { startLocalAws } from './local-aws.ts';

// The lockfile pins an AWS SDK that supports Node 20; its "Node 22 after January 2027" notice is for upgrades.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const step = (text: string) => process.stdout.write(`${color ? '\u001b[1m==>\u001b[0m' : '==>'} ${text}\n`);

step('Starting the local AWS (moto 5.2.1 + tablewarden gap layer)');
const local = await startLocalAws();
try {
  process.stdout.write(`    endpoint ${local.endpoint}, region ${local.region}\n`);
  const connection = { endpoint: local.endpoint, region: local.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

  step('Building a drifted account: Customers (PITR off, AWS owned key, tags missing), terraform-state-lock (key rotates every 730 days), Orders missing, legacy-sessions unmanaged');
  await createDriftedAccount(createClients(connection));

  step('Validating desired-state/');
  const validation = parseDesiredState(await readDesiredStateFiles('desired-state'), { now: new Date() });
  for (const diagnostic of validation.diagnostics) process.stdout.write(`    ${formatDiagnostic(diagnostic)}\n`);
  process.stdout.write(`    ${validation.state.tables.length} tables valid, ${validation.state.invalidTables.length} invalid\n`);

  step('Observing the account and planning (tablewarden plan)');
  const clients = createClients(connection);
  const { plan } = await planAccount(clients, validation.state, { now: new Date() });
  process.stdout.write('\n' + renderPlanText(plan, { color }) + '\n');
  process.stdout.write(renderPostureTable(plan, { color }) + '\n');
  const calls = clients.calls.all();
  process.stdout.write(`    ${calls.length} AWS calls to observe ${plan.tables.length} tables, ${clients.calls.writes().length} writes.\n`);
  process.stdout.write('    Next: `tablewarden apply` (coming with the Apply issue) would make these changes.\n');
} finally {
  await local.stop();
}
