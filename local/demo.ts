/**
 * `npm start`: the operator end to end on the embedded local AWS.
 *
 * Boots moto with the gap layer, builds a realistic drifted account, validates desired-state/, plans, applies,
 * plans again (now empty) and prints the posture before and after. Nothing here reaches real AWS. Exits 1 if a
 * managed table did not converge. The operator issue moves this onto the synthesized Step Functions workflow.
 */
import { createClients } from '../functions/aws/clients.ts';
import { applyPlan } from '../functions/aws/apply/apply-plan.ts';
import { planAccount } from '../functions/aws/plan-account.ts';
import { renderApplyEvent, renderApplyReport } from '../functions/cli/render-apply.ts';
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
  const before = await planAccount(clients, validation.state, { now: new Date() });
  process.stdout.write('\n' + renderPlanText(before.plan, { color }) + '\n');
  const observeCalls = clients.calls.all().length;
  process.stdout.write(`    ${observeCalls} AWS calls to observe ${before.plan.tables.length} tables, ${clients.calls.writes().length} writes.\n`);

  step('Applying the plan (tablewarden apply --auto-approve)');
  const result = await applyPlan(clients, before.plan, validation.state, before.observed, {
    pollMs: 50,
    onEvent: (event) => {
      const line = renderApplyEvent(event, { color });
      if (line) process.stdout.write(line);
    },
  });

  step('Observing again and planning (should be empty)');
  const after = await planAccount(clients, validation.state, { now: new Date() });
  process.stdout.write('\n' + renderApplyReport(result, after.plan, { color }) + '\n');
  process.stdout.write(renderPlanText(after.plan, { color }) + '\n');

  step('Posture before');
  process.stdout.write(renderPostureTable(before.plan, { color }) + '\n');
  step('Posture after');
  process.stdout.write(renderPostureTable(after.plan, { color }) + '\n');
  const converged = after.plan.tables.filter((table) => table.managed).every((table) => table.status === 'in-sync');
  if (!converged) process.exitCode = 1;
} finally {
  await local.stop();
}
