/**
 * The operator stack as CloudFormation: the resources' security settings, every role's IAM (derived from the
 * controls), the safety invariants (no DeleteTable, no key deletion), and cdk-nag with zero unacknowledged
 * findings. One synth per file (six esbuild bundles, no Docker).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations, type App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NagPack } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isReadAction } from '../../functions/aws/call-recorder.ts';
import { createOperatorApp, cdkJsonContext } from '../../infra/app-factory.ts';
import type { OperatorStack } from '../../infra/operator-stack.ts';
import { applyActions, FORBIDDEN_ACTIONS, INDEX_ONLY_ACTIONS, HANDLER_NAMES, handlerGrants, observeActions, OWN_RESOURCE_GRANTS, type HandlerName } from '../../infra/permissions.ts';
import { HANDLER_METADATA_KEY } from '../../infra/table-warden.ts';
import { operatorLambdaLogicalIds } from '../../infra/synth.ts';
import { actionMatches, allStatements, render, resourcesOfType, roleStatements, type Statement, type TemplateJson } from './template-helpers.ts';

let app: App;
let stack: OperatorStack;
let template: TemplateJson;
let assertions: Template;
let synthMs = 0;

const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
const roleId = (handler: HandlerName) => logicalId(stack.warden.roles[handler]);
const resource = (id: string) => template.Resources[id]!;
const props = (id: string) => resource(id).Properties as Record<string, unknown>;

const TABLES_ARN = 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*';
const PLATFORM_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
/** Actions AWS only authorises on "*". */
const STAR_ONLY = new Set([
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
  'dynamodb:ListTables',
  'kms:ListAliases',
  'kms:CreateKey',
  'tag:GetResources',
  'backup:ListBackupPlans',
  'backup:ListProtectedResources',
  'backup-storage:MountCapsule',
  // Restore drills (no resource type in the Service Authorization Reference).
  'dynamodb:ListBackups',
  'backup:ListRecoveryPointsByResource',
  'backup:DescribeRestoreJob',
  'backup:PutRestoreValidationResult',
]);

const allowed = (statements: Statement[]) => statements.filter((statement) => statement.Effect === 'Allow');
const actionsOf = (statements: Statement[]) => [...new Set(allowed(statements).flatMap((statement) => statement.Action))].sort();
const bucketArn = () => `\${${logicalId(stack.warden.bucket)}.Arn}`;

let outdir: string;

beforeAll(() => {
  // Prepare
  const started = Date.now();
  outdir = mkdtempSync(join(tmpdir(), 'tablewarden-infra-test-'));
  ({ app, stack } = createOperatorApp({ app: { outdir } }));
  // Act: synthesis runs cdk-nag and CloudFormation's default rules as validation plugins; either one throws.
  assertions = Template.fromStack(stack);
  template = assertions.toJSON() as TemplateJson;
  synthMs = Date.now() - started;
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('synthesis', () => {
  it('synthesizes with esbuild bundling (no Docker) in reasonable time', () => {
    // Assess
    console.info(`operator stack synth (6 esbuild bundles, cdk-nag, default rules): ${synthMs} ms`);
    expect(synthMs).toBeLessThan(60_000);
    expect(Object.keys(resourcesOfType(template, 'AWS::Lambda::Function'))).toHaveLength(HANDLER_NAMES.length);
  });

  it('bundles every handler into an ES module that loads and runs on Node (the deployed artefact, not the source)', async () => {
    // Prepare: each function's Code points at its asset, <outdir>/asset.<hash>/index.mjs.
    const bundles = Object.fromEntries(
      Object.entries(operatorLambdaLogicalIds(template)).map(([handler, id]) => {
        const key = String((template.Resources[id]!.Properties!['Code'] as { S3Key: string }).S3Key);
        return [handler, join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs')];
      }),
    );
    const env = { BUNDLE_BUCKET: 'bucket', STATE_TABLE: 'state', AWS_REGION: 'us-east-1', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT' };
    Object.assign(process.env, env);
    // Act
    type Bundle = { handler: (event: unknown) => Promise<unknown> };
    const modules: Record<string, Bundle> = Object.fromEntries(await Promise.all(Object.entries(bundles).map(async ([handler, path]) => [handler, (await import(path)) as Bundle] as const)));
    // Assess: every bundle exports its handler; the gate (no AWS call) computes a verdict; the lock rejects a
    // malformed event with the contract's error before any call.
    expect(Object.keys(modules).sort()).toEqual([...HANDLER_NAMES].sort());
    for (const module of Object.values(modules)) expect(typeof module.handler).toBe('function');
    await expect(modules['gate']!.handler({ runId: 'r', tables: 4, maxDisruptivePercent: 25, maxDisruptiveTables: 0, plans: [{ index: 0, planKey: 'k', tables: 4, actions: 3, disruptiveTables: 2, errors: 0, refused: 0, unmanaged: 0, population: 4 }] })).resolves.toMatchObject({
      proceed: false,
      disruptiveTables: 2,
    });
    await expect(modules['lock']!.handler({ action: 'steal' })).rejects.toMatchObject({ name: 'InvalidEvent' });
  });

  it('validates against the CDK default CloudFormation rules as errors', () => {
    // Assess
    expect(cdkJsonContext()['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
    expect(app.node.tryGetContext('@aws-cdk/core:validateAgainstDefaultRules')).toBe(true);
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('reports zero unacknowledged findings, errors or warnings', () => {
    // Act
    const report = new AwsSolutionsChecks().validateScope(app);
    // Assess
    expect(report.violations.map((violation) => `${violation.ruleName} ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('acknowledges only findings that exist, each with a specific reason', () => {
    // Prepare: the findings cdk-nag raises when nothing is acknowledged.
    const original = (NagPack.prototype as unknown as { isAcknowledged: unknown }).isAcknowledged;
    let raw: ReturnType<AwsSolutionsChecks['validateScope']>;
    try {
      (NagPack.prototype as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
      raw = new AwsSolutionsChecks().validateScope(app);
    } finally {
      (NagPack.prototype as unknown as { isAcknowledged: unknown }).isAcknowledged = original;
    }
    const findings = raw.violations.flatMap((violation) => violation.violatingResources.map((r) => ({ rule: violation.ruleName, path: r.constructPath })));
    // Act
    const acknowledgements: Array<{ path: string; id: string; reason: string }> = [];
    const walk = (construct: App['node']['children'][number]) => {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) acknowledgements.push({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
      construct.node.children.forEach(walk);
    };
    walk(app);
    // Assess
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) {
      const matched = findings.some((finding) => finding.rule === ack.id && (finding.path === ack.path || (finding.path ?? '').startsWith(`${ack.path}/`)));
      expect(matched, `stale acknowledgement ${ack.id} on ${ack.path}`).toBe(true);
      expect(ack.reason.length, `reason of ${ack.id} on ${ack.path}`).toBeGreaterThan(60);
    }
    // Nothing is waived wholesale: no bare IAM5 (every wildcard is acknowledged per resource) and no stack-level ack.
    expect(acknowledgements.filter((ack) => ack.id === 'AwsSolutions-IAM5')).toEqual([]);
    expect(acknowledgements.filter((ack) => ack.path === stack.node.path || ack.path === stack.warden.node.path)).toEqual([]);
  });
});

describe('state table', () => {
  it('has pk/sk string keys, PITR, a customer-managed key and deletion protection, and is retained', () => {
    // Prepare
    const id = logicalId(stack.warden.stateTable);
    // Assess
    expect(props(id)).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [logicalId(stack.warden.key), 'Arn'] } },
      DeletionProtectionEnabled: true,
      // So the tables it guards never report it as unmanaged.
      Tags: [{ Key: 'tablewarden:role', Value: 'operator' }],
    });
    expect(resource(id).DeletionPolicy).toBe('Retain');
  });
});

describe('operator key', () => {
  it('rotates, is retained, and its policy allows neither deletion nor disabling nor any kms:* wildcard', () => {
    // Prepare
    const id = logicalId(stack.warden.key);
    const statements = (props(id)['KeyPolicy'] as { Statement: Statement[] }).Statement;
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    // Assess
    expect(props(id)['EnableKeyRotation']).toBe(true);
    expect(resource(id).DeletionPolicy).toBe('Retain');
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    expect(actions).not.toContain('kms:ScheduleKeyDeletion');
    expect(actions).not.toContain('kms:DisableKey');
  });

  it('lets CloudWatch alarms publish to the encrypted topic', () => {
    // Prepare
    const statements = (props(logicalId(stack.warden.key))['KeyPolicy'] as { Statement: Array<Statement & { Principal: unknown }> }).Statement;
    // Assess
    expect(statements).toContainEqual(expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }));
  });
});

describe('bundle MAC key', () => {
  it('is an HMAC_256 key for GENERATE_VERIFY_MAC, retained, whose policy allows neither deletion nor disabling nor any kms:* wildcard', () => {
    // Prepare
    const id = logicalId(stack.warden.bundleMacKey);
    const statements = (props(id)['KeyPolicy'] as { Statement: Statement[] }).Statement;
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    // Assess
    expect(props(id)).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(props(id)['EnableKeyRotation']).not.toBe(true); // KMS rotates only symmetric encryption keys automatically
    expect(resource(id).DeletionPolicy).toBe('Retain');
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    expect(actions).not.toContain('kms:ScheduleKeyDeletion');
    expect(actions).not.toContain('kms:DisableKey');
    expect(actions).toEqual(expect.arrayContaining(['kms:GenerateMac', 'kms:VerifyMac']));
  });

  it('load-desired-state may call exactly kms:VerifyMac on exactly this key; no handler may GenerateMac', () => {
    // Prepare
    const macKeyArn = `\${${logicalId(stack.warden.bundleMacKey)}.Arn}`;
    const onMacKey = (handler: HandlerName) => allowed(roleStatements(template, roleId(handler))).filter((statement) => statement.Resource.map(render).includes(macKeyArn));
    const macActions = (handler: HandlerName) => actionsOf(roleStatements(template, roleId(handler))).filter((action) => /^kms:(GenerateMac|VerifyMac)$/.test(action));
    // Assess
    expect(onMacKey('load-desired-state').map((statement) => ({ actions: statement.Action, resources: statement.Resource.map(render) }))).toEqual([{ actions: ['kms:VerifyMac'], resources: [macKeyArn] }]);
    expect(allowed(roleStatements(template, roleId('load-desired-state'))).filter((statement) => statement.Action.includes('kms:VerifyMac')).flatMap((statement) => statement.Resource.map(render))).toEqual([macKeyArn]);
    // drill-targets reads bundles as load does (test/infra/drill-stack.test.ts checks its VerifyMac).
    for (const handler of HANDLER_NAMES.filter((name) => name !== 'load-desired-state' && name !== 'drill-targets')) {
      expect(onMacKey(handler), handler).toEqual([]);
      expect(macActions(handler), handler).toEqual([]);
    }
  });

  it('is named to load-desired-state (BUNDLE_MAC_KEY_ARN) and to the publisher (output BundleMacKeyArn)', () => {
    // Prepare
    const macKeyArn = { 'Fn::GetAtt': [logicalId(stack.warden.bundleMacKey), 'Arn'] };
    const variables = (handler: HandlerName) => (props(logicalId(stack.warden.functions[handler]))['Environment'] as { Variables: Record<string, unknown> }).Variables;
    // Assess
    expect(variables('load-desired-state')['BUNDLE_MAC_KEY_ARN']).toEqual(macKeyArn);
    for (const handler of HANDLER_NAMES.filter((name) => name !== 'load-desired-state' && name !== 'drill-targets')) expect(variables(handler)).not.toHaveProperty('BUNDLE_MAC_KEY_ARN');
    expect(template.Outputs).toMatchObject({ BundleMacKeyArn: { Value: macKeyArn } });
  });
});

describe('bundle bucket', () => {
  it('is KMS-encrypted with the operator key, versioned, private, logged, EventBridge-enabled, retained', () => {
    // Prepare
    const id = logicalId(stack.warden.bucket);
    // Assess
    expect(props(id)).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(stack.warden.key), 'Arn'] } } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(stack.warden.accessLogBucket) } },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    expect(resource(id).DeletionPolicy).toBe('Retain');
  });

  it('expires run artefacts under runs/ and posture reports under reports/ only (never bundles)', () => {
    // Prepare
    const rules = (props(logicalId(stack.warden.bucket))['LifecycleConfiguration'] as { Rules: Array<Record<string, unknown>> }).Rules;
    // Assess
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'runs/', ExpirationInDays: 90, Status: 'Enabled' }));
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'reports/', ExpirationInDays: 365, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }));
    expect(rules.filter((rule) => 'ExpirationInDays' in rule && rule['Prefix'] !== 'runs/' && rule['Prefix'] !== 'reports/')).toEqual([]);
  });

  it.each([
    ['bundle bucket', () => stack.warden.bucket],
    ['access log bucket', () => stack.warden.accessLogBucket],
  ])('%s denies requests without TLS', (_name, bucket) => {
    // Prepare
    const id = logicalId(bucket());
    const policy = Object.values(resourcesOfType(template, 'AWS::S3::BucketPolicy')).find((candidate) => JSON.stringify(candidate.Properties?.['Bucket']) === JSON.stringify({ Ref: id }));
    // Assess
    expect(policy?.Properties?.['PolicyDocument']).toMatchObject({
      Statement: expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
    });
  });

  it('keeps its access logs in an S3-managed-encrypted, private bucket', () => {
    // Assess
    expect(props(logicalId(stack.warden.accessLogBucket))).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
  });
});

describe('notification topic', () => {
  it('is encrypted with the operator key and only accepts TLS', () => {
    // Prepare
    const id = logicalId(stack.warden.topic);
    // Assess
    expect(props(id)['KmsMasterKeyId']).toEqual({ 'Fn::GetAtt': [logicalId(stack.warden.key), 'Arn'] });
    assertions.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: id }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('Lambda functions', () => {
  it.each(HANDLER_NAMES)('%s: nodejs22.x on arm64, X-Ray active, own log group with retention, operator environment', (handler) => {
    // Prepare
    const fn = stack.warden.functions[handler];
    const id = logicalId(fn);
    // Assess
    expect(props(id)).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
      Role: { 'Fn::GetAtt': [roleId(handler), 'Arn'] },
      Environment: {
        Variables: {
          BUNDLE_BUCKET: { Ref: logicalId(stack.warden.bucket) },
          STATE_TABLE: { Ref: logicalId(stack.warden.stateTable) },
          TOPIC_ARN: { Ref: logicalId(stack.warden.topic) },
          POWERTOOLS_SERVICE_NAME: 'tablewarden',
          POWERTOOLS_METRICS_NAMESPACE: 'TableWarden',
        },
      },
    });
    const logGroup = (props(id)['LoggingConfig'] as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(resource(logGroup).Type).toBe('AWS::Logs::LogGroup');
    expect(props(logGroup)['RetentionInDays']).toBe(90);
    expect(resource(id).Metadata?.[HANDLER_METADATA_KEY]).toBe(handler);
  });

  it('maps every handler to its logical id through the template metadata', () => {
    // Assess
    expect(operatorLambdaLogicalIds(template)).toEqual(Object.fromEntries(HANDLER_NAMES.map((handler) => [handler, logicalId(stack.warden.functions[handler])])));
  });
});

describe('state machine', () => {
  it('logs everything (with execution data) and traces with X-Ray', () => {
    // Prepare
    const id = logicalId(stack.warden.stateMachine);
    // Assess
    expect(props(id)).toMatchObject({
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: expect.anything() } }] },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('Reconcile invokes five handlers and starts ApplyBatchRounds; the child invokes only apply-batch; nothing else', () => {
    // Prepare
    const invokes = (role: Parameters<typeof logicalId>[0]) => {
      const statements = roleStatements(template, logicalId(role));
      const invoke = allowed(statements).filter((statement) => statement.Action.includes('lambda:InvokeFunction'));
      return { statements, resources: invoke.flatMap((statement) => statement.Resource.map(render)).sort(), actions: invoke.flatMap((statement) => statement.Action) };
    };
    const arns = (handlers: readonly string[]) => handlers.flatMap((handler) => [`\${${logicalId(stack.warden.functions[handler as HandlerName])}.Arn}`, `\${${logicalId(stack.warden.functions[handler as HandlerName])}.Arn}:*`]).sort();
    const parent = invokes(stack.warden.stateMachine.role);
    const child = invokes(stack.warden.applyBatchRounds.role);
    // Assess
    expect(parent.actions).toEqual(['lambda:InvokeFunction']);
    // Its own handlers and its seeding step's seed-triggers (the Seed machine invokes `seed`).
    // Not config-events: an SQS event source mapping invokes it, and it starts Reconcile.
    expect(parent.resources).toEqual(arns(HANDLER_NAMES.filter((handler) => handler !== 'apply-batch' && !handler.startsWith('drill-') && handler !== 'seed' && handler !== 'config-events')));
    // startExecution.sync:2: start the child, poll and stop its executions, and the managed rule that reports them.
    expect(actionsOf(parent.statements).filter((action) => !action.startsWith('logs:') && !action.startsWith('xray:')).sort()).toEqual(
      ['events:DescribeRule', 'events:PutRule', 'events:PutTargets', 'lambda:InvokeFunction', 'states:DescribeExecution', 'states:StartExecution', 'states:StopExecution'].sort(),
    );
    expect(child.resources).toEqual(arns(['apply-batch']));
    expect(actionsOf(child.statements).filter((action) => !action.startsWith('logs:') && !action.startsWith('xray:'))).toEqual(['lambda:InvokeFunction']);
  });

});

describe('triggers', () => {
  it('starts the nightly reconcile from EventBridge Scheduler with its own role', () => {
    // Prepare
    const [schedule] = Object.values(resourcesOfType(template, 'AWS::Scheduler::Schedule'));
    const target = schedule?.Properties?.['Target'] as { Arn: unknown; Input: string; RoleArn: { 'Fn::GetAtt': [string, string] } };
    // Assess
    expect(schedule?.Properties?.['ScheduleExpression']).toBe('cron(0 2 * * ? *)');
    expect(target.Arn).toEqual({ Ref: logicalId(stack.warden.stateMachine) });
    expect(JSON.parse(target.Input)).toEqual({ trigger: 'schedule', mode: 'apply' });
    const statements = roleStatements(template, target.RoleArn['Fn::GetAtt'][0]);
    expect(allowed(statements).map((statement) => [statement.Action, statement.Resource.map(render)])).toEqual([[['states:StartExecution'], [`\${${logicalId(stack.warden.stateMachine)}}`]]]);
  });

  it('starts a commit reconcile when a bundle lands under bundles/, passing the object key', () => {
    // Prepare
    const rule = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).find((candidate) => JSON.stringify(candidate.Properties?.['EventPattern']).includes('aws.s3'));
    const [target] = rule?.Properties?.['Targets'] as Array<{ Arn: unknown; InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }>;
    // Assess
    expect(rule?.Properties?.['EventPattern']).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [{ Ref: logicalId(stack.warden.bucket) }] }, object: { key: [{ wildcard: 'bundles/*.json' }] } },
    });
    expect(target?.Arn).toEqual({ Ref: logicalId(stack.warden.stateMachine) });
    expect(target?.InputTransformer.InputPathsMap).toEqual({ 'detail-object-key': '$.detail.object.key' });
    expect(JSON.parse(target!.InputTransformer.InputTemplate.replace('<detail-object-key>', '"bundles/abc.json"'))).toEqual({ trigger: 'commit', mode: 'apply', bundleKey: 'bundles/abc.json' });
  });

  it('releases the lock of every execution that ended other than SUCCEEDED (failed, aborted, timed out), as its owner', () => {
    // Prepare
    const rule = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).find((candidate) => JSON.stringify(candidate.Properties?.['EventPattern']).includes('aws.states'));
    const [target] = rule?.Properties?.['Targets'] as Array<{ Arn: unknown; InputTransformer: { InputTemplate: string } }>;
    // Assess: FAILED included, so a run that failed outside any Catch (States.DataLimitExceeded, States.Runtime, ...)
    // does not keep the lock until it expires. The release is owner-conditional (the execution's own ARN).
    expect(rule?.Properties?.['EventPattern']).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: logicalId(stack.warden.stateMachine) }] },
    });
    expect(target?.Arn).toEqual({ 'Fn::GetAtt': [logicalId(stack.warden.functions.lock), 'Arn'] });
    expect(JSON.parse(target!.InputTransformer.InputTemplate.replace('<detail-executionArn>', '"arn:x"'))).toEqual({ action: 'release', owner: 'arn:x' });
  });
});

describe('alarms', () => {
  it('alarm on failed and timed-out executions and on every handler error, notifying the topic', () => {
    // Prepare
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties as Record<string, unknown>);
    const topic = { Ref: logicalId(stack.warden.topic) };
    // Assess
    for (const alarm of alarms) expect(alarm['AlarmActions']).toEqual([topic]);
    const onReconcile = (alarm: Record<string, unknown>) => JSON.stringify(alarm['Dimensions']).includes(`"${logicalId(stack.warden.stateMachine)}"`);
    expect(alarms.filter((alarm) => alarm['Namespace'] === 'AWS/States' && onReconcile(alarm)).map((alarm) => alarm['MetricName']).sort()).toEqual(['ExecutionsFailed', 'ExecutionsTimedOut']);
    const lambdaAlarms = alarms.filter((alarm) => alarm['Namespace'] === 'AWS/Lambda' && alarm['MetricName'] === 'Errors');
    expect(lambdaAlarms.map((alarm) => (alarm['Dimensions'] as Array<{ Value: { Ref: string } }>)[0]!.Value.Ref).sort()).toEqual(HANDLER_NAMES.map((handler) => logicalId(stack.warden.functions[handler])).sort());
  });
});

describe('outputs', () => {
  it('exports the bundle bucket name the CLI publishes to', () => {
    // Assess
    expect(template.Outputs).toMatchObject({ BundleBucketName: { Value: { Ref: logicalId(stack.warden.bucket) } } });
  });
});

describe('IAM', () => {
  it.each(HANDLER_NAMES)('%s: the role allows exactly its derived grants (plus its own logs and X-Ray)', (handler) => {
    // Prepare
    const expected = [...new Set([...PLATFORM_ACTIONS, ...handlerGrants(handler).flatMap((grant) => grant.actions)])].sort();
    // Act
    const statements = roleStatements(template, roleId(handler));
    // Assess
    expect(actionsOf(statements)).toEqual(expected);
    expect(statements.filter((statement) => statement.Effect !== 'Allow' || statement.NotAction !== undefined)).toEqual([]);
  });

  it('plan-batch: the controls\' observe actions, all reads; its only writes are its run artefacts', () => {
    // Prepare
    const statements = allowed(roleStatements(template, roleId('plan-batch')));
    const runs = `${bucketArn()}/runs/*`;
    const viaS3Only = (statement: Statement) => JSON.stringify(statement.Condition?.['StringEquals']?.['kms:ViaService']) === JSON.stringify([{ 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] }]);
    // Act: key use on behalf of S3 (encrypting its own artefacts) is not a write to anything it observes.
    const writes = statements
      .filter((statement) => !viaS3Only(statement))
      .flatMap((statement) => statement.Action.filter((action) => !isReadAction(action) && !PLATFORM_ACTIONS.includes(action)).map((action) => ({ action, resources: statement.Resource.map(render) })));
    // Assess
    expect(writes).toEqual([{ action: 's3:PutObject', resources: [runs] }]);
    expect(statements.filter(viaS3Only).flatMap((statement) => statement.Resource.map(render))).toEqual([`\${${logicalId(stack.warden.key)}.Arn}`]);
    const own = OWN_RESOURCE_GRANTS['plan-batch'].flatMap((grant) => grant.actions);
    // Observe once per run: the account index reads are load-desired-state's, not the batch's.
    expect(actionsOf(statements).filter((action) => !own.includes(action) && !PLATFORM_ACTIONS.includes(action))).toEqual(observeActions().filter((action) => !INDEX_ONLY_ACTIONS.plan.includes(action)));
  });

  it('apply-batch: exactly the controls\' observe ∪ apply actions', () => {
    // Prepare
    const statements = roleStatements(template, roleId('apply-batch'));
    const own = OWN_RESOURCE_GRANTS['apply-batch'].flatMap((grant) => grant.actions);
    // Act
    const controlActions = actionsOf(statements.filter((statement) => statement.Sid?.startsWith('ApplyTables')));
    // Assess
    const applying = applyActions().filter((action) => !INDEX_ONLY_ACTIONS.apply.includes(action));
    expect(controlActions).toEqual(applying);
    // kms:Decrypt and kms:GenerateDataKey are also own grants (the bucket key through S3); the controls' are via AWS Backup.
    expect(actionsOf(statements).filter((action) => !own.includes(action) && !PLATFORM_ACTIONS.includes(action))).toEqual(applying.filter((action) => !own.includes(action)));
  });

  it('no statement anywhere allows dynamodb:DeleteTable, even through a wildcard, but drill-cleanup\'s on tagged tw-drill-* tables', () => {
    // Act
    const offending = allStatements(template).filter(({ statement }) => statement.Effect === 'Allow' && statement.Action.some((pattern) => actionMatches(pattern, 'dynamodb:DeleteTable')));
    // Assess: the one grant (test/infra/drill-iam-simulation.test.ts simulates it).
    expect(offending.map(({ resource, statement }) => ({ resource, actions: statement.Action, resources: statement.Resource.map(render), condition: statement.Condition }))).toEqual([
      {
        resource: expect.stringMatching(/^TableWardenDrillCleanupRoleDefaultPolicy/),
        actions: ['dynamodb:DeleteTable', 'dynamodb:UpdateTable'],
        resources: ['arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/tw-drill-*'],
        condition: { StringEquals: { 'aws:ResourceTag/tablewarden:drill': 'true' } },
      },
    ]);
  });

  it('no statement anywhere names or matches kms:ScheduleKeyDeletion or kms:DisableKey', () => {
    // Act
    const offending = allStatements(template).filter(({ statement }) =>
      statement.Action.some((pattern) => ['kms:ScheduleKeyDeletion', 'kms:DisableKey'].some((action) => actionMatches(pattern, action))),
    );
    // Assess
    expect(offending).toEqual([]);
  });

  it('no role is allowed any forbidden action, and no identity policy uses NotAction', () => {
    // Prepare
    const roles = Object.keys(resourcesOfType(template, 'AWS::IAM::Role'));
    // Act
    const statements = roles.flatMap((id) => roleStatements(template, id).map((statement) => ({ id, statement })));
    // Assess
    expect(statements.filter(({ statement }) => statement.NotAction !== undefined)).toEqual([]);
    const forbidden = statements.flatMap(({ id, statement }) => FORBIDDEN_ACTIONS.filter((action) => statement.Effect === 'Allow' && statement.Action.some((pattern) => actionMatches(pattern, action))).map((action) => `${id}: ${action}`));
    // The one exception, DeleteTable on tagged drill copies, is pinned by the DeleteTable test above.
    expect(forbidden.filter((entry) => !(entry.startsWith(`${roleId('drill-cleanup')}: `) && entry.endsWith(': dynamodb:DeleteTable')))).toEqual([]);
  });

  it('uses "*" only for actions without resource-level permissions', () => {
    // Act
    const starActions = HANDLER_NAMES.flatMap((handler) => allowed(roleStatements(template, roleId(handler))).filter((statement) => statement.Resource.includes('*')).flatMap((statement) => statement.Action));
    // Assess
    expect(starActions.filter((action) => !STAR_ONLY.has(action))).toEqual([]);
  });

  it('scopes table actions to the tables of the stack\'s account and region', () => {
    // Act
    const tableStatements = allowed(roleStatements(template, roleId('apply-batch'))).filter((statement) => statement.Action.includes('dynamodb:UpdateTable'));
    // Assess
    expect(tableStatements.map((statement) => statement.Resource.map(render))).toEqual([[TABLES_ARN]]);
  });

  it('passes only the AWS Backup role, only to AWS Backup, only from apply-batch', () => {
    // Act
    const passRole = HANDLER_NAMES.flatMap((handler) => allowed(roleStatements(template, roleId(handler))).filter((statement) => statement.Action.includes('iam:PassRole')).map((statement) => ({ handler, statement })));
    // Assess
    // drill-start passes it to StartRestoreJob (restore drills from AWS Backup).
    expect(passRole.map(({ handler }) => handler)).toEqual(['apply-batch', 'drill-start']);
    for (const { statement } of passRole) {
      expect(statement.Action).toEqual(['iam:PassRole']);
      // The backup role the stack creates, not a guessed AWSBackupDefaultServiceRole that may not exist.
      expect(statement.Resource.map(render)).toEqual([`\${${logicalId(stack.warden.backupRole)}.Arn}`]);
      expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } });
    }
  });

  it('creates the role AWS Backup assumes, with the AWS Backup service-role policies, and gives apply-batch its ARN', () => {
    // Act
    const id = logicalId(stack.warden.backupRole);
    const role = props(id);
    const environments = Object.fromEntries(
      HANDLER_NAMES.map((handler) => [handler, (props(logicalId(stack.warden.functions[handler])).Environment as { Variables: Record<string, unknown> }).Variables['TABLEWARDEN_BACKUP_ROLE_ARN']]),
    );
    // Assess: assumable by AWS Backup only; backup and restore policies; only apply-batch knows it.
    expect(role.AssumeRolePolicyDocument).toEqual({ Version: '2012-10-17', Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' } }] });
    expect((role.ManagedPolicyArns as unknown[]).map(render)).toEqual([
      'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
      'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores',
    ]);
    expect(role.Policies).toBeUndefined();
    expect(Object.entries(environments).filter(([, value]) => value !== undefined).map(([handler, value]) => [handler, render(value)])).toEqual([
      ['apply-batch', `\${${id}.Arn}`],
      ['drill-start', `\${${id}.Arn}`],
    ]);
  });

  it('lets DynamoDB create key grants for tables, and nothing else', () => {
    // Act
    const grants = allowed(roleStatements(template, roleId('apply-batch'))).filter((statement) => statement.Action.includes('kms:CreateGrant'));
    // Assess
    expect(grants).toHaveLength(1);
    expect(grants[0]?.Condition).toEqual({ Bool: { 'kms:GrantIsForAWSResource': 'true' } });
  });

  it.each<[HandlerName, string[]]>([
    ['lock', []],
    ['load-desired-state', ['s3:GetObject bundles/*', 's3:PutObject runs/*']],
    ['plan-batch', ['s3:GetObject runs/*', 's3:PutObject runs/*']],
    ['gate', []],
    ['apply-batch', ['s3:GetObject runs/*', 's3:PutObject runs/*']],
    // The posture report goes to reports/<run>/ and reports/latest/ (functions/run/core/report.ts postureReportKeys).
    ['report', ['s3:GetObject runs/*', 's3:PutObject reports/*', 's3:PutObject runs/*']],
  ])('%s: S3 object access only under its prefixes', (handler, expected) => {
    // Act
    const objectAccess = allowed(roleStatements(template, roleId(handler))).flatMap((statement) =>
      statement.Action.filter((action) => action.startsWith('s3:') && action !== 's3:ListBucket').flatMap((action) => statement.Resource.map((arn) => `${action} ${render(arn).replace(`${bucketArn()}/`, '')}`)),
    );
    // Assess
    expect(objectAccess.sort()).toEqual(expected);
  });

  it.each<[HandlerName, string[]]>([
    ['lock', ['dynamodb:DeleteItem', 'dynamodb:PutItem']],
    ['load-desired-state', []],
    ['plan-batch', []],
    ['gate', []],
    ['apply-batch', []],
    // BatchWriteItem: each table's history; Query: the latest drill per table for the posture report.
    ['report', ['dynamodb:BatchWriteItem', 'dynamodb:Query']],
  ])('%s: state table access', (handler, expected) => {
    // Prepare
    const table = `\${${logicalId(stack.warden.stateTable)}.Arn}`;
    // Act
    const access = allowed(roleStatements(template, roleId(handler))).filter((statement) => statement.Resource.map(render).includes(table)).flatMap((statement) => statement.Action);
    // Assess
    expect(access.sort()).toEqual(expected);
  });

  it('only report may publish to the topic; the operator key is used only through S3, DynamoDB and SNS', () => {
    // Act
    const publishers = HANDLER_NAMES.filter((handler) => actionsOf(roleStatements(template, roleId(handler))).includes('sns:Publish'));
    const keyArn = `\${${logicalId(stack.warden.key)}.Arn}`;
    const keyStatements = HANDLER_NAMES.flatMap((handler) => allowed(roleStatements(template, roleId(handler))).filter((statement) => statement.Resource.map(render).includes(keyArn)));
    // Assess
    expect(publishers).toEqual(['report']);
    expect(keyStatements.length).toBeGreaterThan(0);
    for (const statement of keyStatements) expect(Object.keys(statement.Condition?.['StringEquals'] ?? {})).toEqual(['kms:ViaService']);
  });
});
