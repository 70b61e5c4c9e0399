/**
 * A platform team's CDK app using the installed tablewarden package: the whole operator as one construct, plus a
 * role for the CI job that publishes desired-state bundles (`tablewarden publish`), granted exactly what publishing
 * needs. Plain JavaScript on purpose: the package works without a TypeScript toolchain in the consumer.
 */
import { fileURLToPath } from 'node:url';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { TableWarden } from 'tablewarden';

const app = new App();
const stack = new Stack(app, 'PlatformStack', { description: 'DynamoDB posture operator (tablewarden), from the npm package' });

const warden = new TableWarden(stack, 'Warden', {
  alarmEmail: 'dba@example.com',
  batchSize: 25,
  // The desired state the AWS Config rules are compiled from (what `tablewarden publish` uploads).
  configRules: { desiredStateDir: fileURLToPath(new URL('../desired-state/', import.meta.url)) },
  // A sandbox: `cdk destroy` removes the operator's data too. Leave it out (RETAIN) anywhere else.
  removalPolicy: process.env.SANDBOX === 'true' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
});

const publisher = new Role(stack, 'BundlePublisher', {
  assumedBy: new AccountRootPrincipal(),
  description: 'CI: publishes tablewarden desired-state bundles',
});
warden.grantPublish(publisher);

app.synth();
