/**
 * Extract runnable ASL from a synthesized CloudFormation template (`Template.fromStack(stack).toJSON()` or a
 * `cdk.out/*.template.json`). CDK writes a state machine's `DefinitionString` as an `Fn::Join` of literal JSON
 * fragments and `Ref`/`Fn::GetAtt` tokens; this module resolves those intrinsics to fake but well-formed values
 * (a Lambda function with logical id `Foo123` becomes `arn:aws:lambda:us-east-1:123456789012:function:Foo123`),
 * applies `DefinitionSubstitutions`, parses the JSON, and reports which Lambda functions each machine calls.
 *
 * Mapping a function back to its source file. What the template reliably holds for a Lambda function:
 *  - its logical id (always), e.g. `WardenPlanBatchFunction84647352` for construct `OperatorStack/Warden/PlanBatchFunction`;
 *  - `Handler` (always), but for a `NodejsFunction` it is always `index.handler`, the esbuild bundle's entry;
 *  - `Metadata['aws:cdk:path']`, e.g. `OperatorStack/Warden/PlanBatchFunction/Resource`: only when path metadata
 *    is on (the CDK CLI turns it on; `Template.fromStack` in a test does not, unless the App gets the context
 *    `aws:cdk:enable-path-metadata: true`);
 *  - `Metadata['aws:asset:path']` (`asset.<hash>`, a staging directory in cdk.out, not the source file),
 *    `aws:asset:property` (`Code`) and `aws:asset:is-bundled`: only with `aws:cdk:enable-asset-metadata: true`.
 * The NodejsFunction `entry` itself is in neither. So pass the Stack (`options.stack`): the construct tree then
 * gives every resource's construct path regardless of metadata flags, and `constructId` (the id the stack gave
 * the function, `PlanBatchFunction`) is the stable key to map to a handler module.
 */
import type { IConstruct } from 'constructs';
import { asAslDefinition, type AslDefinition } from './asl.ts';

/** A CloudFormation template as JSON. */
export interface CfnTemplate {
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  Resources?: Record<string, CfnResourceJson>;
  [section: string]: unknown;
}

/** One resource of a template. */
export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The fake environment intrinsics resolve against. */
export interface ExtractOptions {
  /** Default `us-east-1`. */
  region?: string;
  /** Default `123456789012`. */
  account?: string;
  /** Default derived from the region: `aws`, `aws-cn`, `aws-us-gov`. */
  partition?: string;
  /** `AWS::StackName`; default `Stack`. */
  stackName?: string;
  /** Values for template parameters without a Default. */
  parameters?: Record<string, unknown>;
  /**
   * The stack the template came from. When given, construct paths come from the construct tree, so they are
   * known even when the template carries no `aws:cdk:path` metadata (the default for `Template.fromStack`).
   */
  stack?: IConstruct;
}

/** What a caller needs to run a Lambda function's real handler in-process. */
export interface ExtractedLambda {
  logicalId: string;
  /** The fake function ARN used in every resolved definition. */
  arn: string;
  functionName: string;
  /** `Handler` property, e.g. `index.handler` (always that for NodejsFunction). */
  handler?: string;
  runtime?: string;
  timeoutSeconds?: number;
  memorySize?: number;
  /** `Environment.Variables`, with intrinsics resolved to the same fake values. */
  environment: Record<string, string>;
  /** Construct path of the CfnFunction, e.g. `OperatorStack/Warden/PlanBatchFunction/Resource`. */
  cdkPath?: string;
  /** The function construct's own id, e.g. `PlanBatchFunction`: the key to map to a handler module. */
  constructId?: string;
  /** CDK asset metadata, when asset metadata is enabled (see the module comment). */
  asset?: { path?: string; property?: string; isBundled?: boolean };
}

/** One runnable state machine. */
export interface ExtractedStateMachine {
  logicalId: string;
  /** Fake ARN `arn:aws:states:<region>:<account>:stateMachine:<name>`. */
  arn: string;
  name: string;
  cdkPath?: string;
  constructId?: string;
  /** The parsed ASL, every intrinsic resolved. */
  definition: AslDefinition;
  /** The Lambda functions the definition calls: resolved (unqualified) function ARN → logical id. */
  lambdaFunctions: Record<string, string>;
}

/** Everything extracted from one template. */
export interface ExtractResult {
  stateMachines: ExtractedStateMachine[];
  /** Every `AWS::Lambda::Function` in the template, by logical id. */
  lambdas: Record<string, ExtractedLambda>;
}

/** The template uses something this resolver cannot fake; the message names the place. */
export class IntrinsicResolutionError extends Error {
  override name = 'IntrinsicResolutionError';
}

interface Env {
  partition: string;
  region: string;
  account: string;
  urlSuffix: string;
  stackName: string;
  template: CfnTemplate;
  parameters: Record<string, unknown>;
}

const NO_VALUE = Symbol('AWS::NoValue');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A stable hex string from a text, so fake ids (KMS key ids, stack ids) are deterministic. */
function fakeHex(text: string, length: number): string {
  let out = '';
  let h = 2166136261;
  while (out.length < length) {
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
    h = Math.imul(h ^ out.length, 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}

function fakeUuid(text: string): string {
  const hex = fakeHex(text, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function resourceOf(env: Env, logicalId: string, where: string): CfnResourceJson {
  const resource = env.template.Resources?.[logicalId];
  if (!resource) throw new IntrinsicResolutionError(`${where}: no resource or parameter named "${logicalId}"`);
  return resource;
}

/** A literal-or-intrinsic name property, or the fallback. */
function nameProperty(env: Env, resource: CfnResourceJson, property: string, fallback: string, where: string): string {
  const value = resource.Properties?.[property];
  if (value === undefined) return fallback;
  const resolved = resolve(value, env, `${where}.Properties.${property}`);
  return typeof resolved === 'string' ? resolved : fallback;
}

/** The physical name CloudFormation would give a resource; here the explicit name property, else the logical id. */
function physicalName(env: Env, logicalId: string, where: string): string {
  const resource = resourceOf(env, logicalId, where);
  switch (resource.Type) {
    case 'AWS::Lambda::Function':
      return nameProperty(env, resource, 'FunctionName', logicalId, where);
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      return nameProperty(env, resource, 'TableName', logicalId, where);
    case 'AWS::S3::Bucket':
      return nameProperty(env, resource, 'BucketName', logicalId.toLowerCase(), where);
    case 'AWS::SNS::Topic':
      return nameProperty(env, resource, 'TopicName', logicalId, where);
    case 'AWS::SQS::Queue':
      return nameProperty(env, resource, 'QueueName', logicalId, where);
    case 'AWS::IAM::Role':
      return nameProperty(env, resource, 'RoleName', logicalId, where);
    case 'AWS::StepFunctions::StateMachine':
      return nameProperty(env, resource, 'StateMachineName', logicalId, where);
    case 'AWS::Events::Rule':
    case 'AWS::Events::EventBus':
    case 'AWS::SSM::Parameter':
      return nameProperty(env, resource, 'Name', logicalId, where);
    case 'AWS::Logs::LogGroup':
      return nameProperty(env, resource, 'LogGroupName', logicalId, where);
    case 'AWS::KMS::Key':
      return fakeUuid(logicalId);
    default:
      return logicalId;
  }
}

function arnOf(env: Env, logicalId: string, where: string): string {
  const resource = resourceOf(env, logicalId, where);
  const { partition: p, region: r, account: a } = env;
  const name = physicalName(env, logicalId, where);
  switch (resource.Type) {
    case 'AWS::Lambda::Function':
      return `arn:${p}:lambda:${r}:${a}:function:${name}`;
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      return `arn:${p}:dynamodb:${r}:${a}:table/${name}`;
    case 'AWS::S3::Bucket':
      return `arn:${p}:s3:::${name}`;
    case 'AWS::SNS::Topic':
      return `arn:${p}:sns:${r}:${a}:${name}`;
    case 'AWS::SQS::Queue':
      return `arn:${p}:sqs:${r}:${a}:${name}`;
    case 'AWS::IAM::Role':
      return `arn:${p}:iam::${a}:role/${name}`;
    case 'AWS::IAM::ManagedPolicy':
      return `arn:${p}:iam::${a}:policy/${name}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${p}:states:${r}:${a}:stateMachine:${name}`;
    case 'AWS::StepFunctions::Activity':
      return `arn:${p}:states:${r}:${a}:activity:${name}`;
    case 'AWS::KMS::Key':
      return `arn:${p}:kms:${r}:${a}:key/${name}`;
    case 'AWS::Events::Rule':
      return `arn:${p}:events:${r}:${a}:rule/${name}`;
    case 'AWS::Events::EventBus':
      return `arn:${p}:events:${r}:${a}:event-bus/${name}`;
    case 'AWS::Logs::LogGroup':
      return `arn:${p}:logs:${r}:${a}:log-group:${name}:*`;
    case 'AWS::SSM::Parameter':
      return `arn:${p}:ssm:${r}:${a}:parameter/${name.replace(/^\//, '')}`;
    default: {
      const [, service = 'unknown', kind = 'resource'] = resource.Type.split('::');
      return `arn:${p}:${service.toLowerCase()}:${r}:${a}:${kind.toLowerCase()}/${name}`;
    }
  }
}

/** What `Ref` returns for a resource, per the CloudFormation resource reference "Return values". */
function refOf(env: Env, name: string, where: string): unknown {
  switch (name) {
    case 'AWS::Partition':
      return env.partition;
    case 'AWS::Region':
      return env.region;
    case 'AWS::AccountId':
      return env.account;
    case 'AWS::URLSuffix':
      return env.urlSuffix;
    case 'AWS::StackName':
      return env.stackName;
    case 'AWS::StackId':
      return `arn:${env.partition}:cloudformation:${env.region}:${env.account}:stack/${env.stackName}/${fakeUuid(env.stackName)}`;
    case 'AWS::NotificationARNs':
      return [];
    case 'AWS::NoValue':
      return NO_VALUE;
  }
  if (env.template.Parameters && name in env.template.Parameters) {
    if (name in env.parameters) return env.parameters[name];
    const parameter = env.template.Parameters[name];
    if (parameter?.Default !== undefined) return parameter.Default;
    throw new IntrinsicResolutionError(`${where}: parameter "${name}" has no Default; pass it in options.parameters`);
  }
  const resource = resourceOf(env, name, where);
  switch (resource.Type) {
    case 'AWS::SNS::Topic':
    case 'AWS::StepFunctions::StateMachine':
    case 'AWS::StepFunctions::Activity':
    case 'AWS::IAM::ManagedPolicy':
    case 'AWS::Lambda::Version':
    case 'AWS::Lambda::Alias':
      return arnOf(env, name, where);
    case 'AWS::SQS::Queue':
      return `https://sqs.${env.region}.${env.urlSuffix}/${env.account}/${physicalName(env, name, where)}`;
    default:
      return physicalName(env, name, where);
  }
}

/** What `Fn::GetAtt [logicalId, attribute]` returns; `Arn` everywhere, plus the common named attributes. */
function getAttOf(env: Env, logicalId: string, attribute: string, where: string): unknown {
  const resource = resourceOf(env, logicalId, where);
  const name = physicalName(env, logicalId, where);
  if (attribute === 'Arn') return arnOf(env, logicalId, where);
  switch (`${resource.Type}.${attribute}`) {
    case 'AWS::DynamoDB::Table.StreamArn':
      return `${arnOf(env, logicalId, where)}/stream/1970-01-01T00:00:00.000`;
    case 'AWS::S3::Bucket.DomainName':
      return `${name}.s3.${env.urlSuffix}`;
    case 'AWS::S3::Bucket.RegionalDomainName':
      return `${name}.s3.${env.region}.${env.urlSuffix}`;
    case 'AWS::SNS::Topic.TopicArn':
      return arnOf(env, logicalId, where);
    case 'AWS::SQS::Queue.QueueUrl':
      return refOf(env, logicalId, where);
    case 'AWS::KMS::Key.KeyId':
    case 'AWS::SNS::Topic.TopicName':
    case 'AWS::SQS::Queue.QueueName':
    case 'AWS::StepFunctions::StateMachine.Name':
    case 'AWS::StepFunctions::Activity.Name':
      return name;
    case 'AWS::IAM::Role.RoleId':
      return `AROA${fakeHex(logicalId, 17).toUpperCase()}`;
    default:
      return `${name}.${attribute}`;
  }
}

function substitute(template: string, variables: Record<string, unknown>, env: Env, where: string): string {
  return template.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    let value: unknown;
    if (inner in variables) value = resolve(variables[inner], env, `${where}.${inner}`);
    else if (inner.includes('.') && !inner.startsWith('AWS::')) {
      const dot = inner.indexOf('.');
      value = getAttOf(env, inner.slice(0, dot), inner.slice(dot + 1), where);
    } else value = refOf(env, inner, where);
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new IntrinsicResolutionError(`${where}: Fn::Sub variable ${whole} does not resolve to a string`);
    }
    return String(value);
  });
}

function evaluateCondition(value: unknown, env: Env, where: string): boolean {
  const resolved = resolve(value, env, where);
  if (typeof resolved !== 'boolean') throw new IntrinsicResolutionError(`${where}: condition does not evaluate to a boolean`);
  return resolved;
}

function asString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new IntrinsicResolutionError(`${where}: expected a string, got ${JSON.stringify(value)}`);
}

function asArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new IntrinsicResolutionError(`${where}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}

function resolveIntrinsic(key: string, args: unknown, env: Env, where: string): unknown {
  const at = `${where}.${key}`;
  switch (key) {
    case 'Ref':
      return refOf(env, asString(args, at), at);
    case 'Fn::GetAtt': {
      const [logicalId, ...attribute] = typeof args === 'string' ? args.split('.') : asArray(resolve(args, env, at), at).map((part) => asString(part, at));
      if (!logicalId || attribute.length === 0) throw new IntrinsicResolutionError(`${at}: malformed Fn::GetAtt`);
      return getAttOf(env, logicalId, attribute.join('.'), at);
    }
    case 'Fn::Join': {
      const [delimiter, list] = asArray(args, at);
      const parts = asArray(resolve(list, env, at), at).filter((part) => part !== NO_VALUE);
      return parts.map((part) => asString(part, at)).join(asString(delimiter ?? '', at));
    }
    case 'Fn::Sub': {
      if (typeof args === 'string') return substitute(args, {}, env, at);
      const [text, variables] = asArray(args, at);
      return substitute(asString(text, at), isRecord(variables) ? variables : {}, env, at);
    }
    case 'Fn::Select': {
      const [index, list] = asArray(args, at);
      const items = asArray(resolve(list, env, at), at);
      const i = Number(resolve(index, env, at));
      if (!Number.isInteger(i) || i < 0 || i >= items.length) throw new IntrinsicResolutionError(`${at}: index ${String(index)} out of range`);
      return items[i];
    }
    case 'Fn::Split': {
      const [delimiter, text] = asArray(args, at);
      return asString(resolve(text, env, at), at).split(asString(delimiter, at));
    }
    case 'Fn::GetAZs':
      return ['a', 'b', 'c'].map((zone) => `${env.region}${zone}`);
    case 'Fn::ImportValue':
      return `imported-${asString(resolve(args, env, at), at)}`;
    case 'Fn::Base64':
      return Buffer.from(asString(resolve(args, env, at), at), 'utf8').toString('base64');
    case 'Fn::ToJsonString':
      return JSON.stringify(resolve(args, env, at));
    case 'Fn::FindInMap': {
      const [map, top, second] = asArray(args, at).map((part) => asString(resolve(part, env, at), at));
      const value = env.template.Mappings?.[map ?? '']?.[top ?? '']?.[second ?? ''];
      if (value === undefined) throw new IntrinsicResolutionError(`${at}: no mapping ${map}/${top}/${second}`);
      return resolve(value, env, at);
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = asArray(args, at);
      const conditionValue = env.template.Conditions?.[asString(condition, at)];
      if (conditionValue === undefined) throw new IntrinsicResolutionError(`${at}: no condition ${String(condition)}`);
      return resolve(evaluateCondition(conditionValue, env, at) ? whenTrue : whenFalse, env, at);
    }
    case 'Condition': {
      const conditionValue = env.template.Conditions?.[asString(args, at)];
      if (conditionValue === undefined) throw new IntrinsicResolutionError(`${at}: no condition ${String(args)}`);
      return evaluateCondition(conditionValue, env, at);
    }
    case 'Fn::Equals': {
      const [left, right] = asArray(args, at).map((part) => resolve(part, env, at));
      return JSON.stringify(left) === JSON.stringify(right);
    }
    case 'Fn::Not':
      return !evaluateCondition(asArray(args, at)[0], env, at);
    case 'Fn::And':
      return asArray(args, at).every((part) => evaluateCondition(part, env, at));
    case 'Fn::Or':
      return asArray(args, at).some((part) => evaluateCondition(part, env, at));
    default:
      throw new IntrinsicResolutionError(`${at}: intrinsic ${key} is not supported by the local extractor`);
  }
}

function resolve(value: unknown, env: Env, where: string): unknown {
  if (Array.isArray(value)) {
    return value.map((item, index) => resolve(item, env, `${where}[${index}]`)).filter((item) => item !== NO_VALUE);
  }
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  const [only] = keys;
  if (keys.length === 1 && only !== undefined && (only === 'Ref' || only === 'Condition' || only.startsWith('Fn::'))) {
    return resolveIntrinsic(only, value[only], env, where);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const resolved = resolve(value[key], env, `${where}.${key}`);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

function makeEnv(template: CfnTemplate, options: ExtractOptions): Env {
  const region = options.region ?? 'us-east-1';
  const partition = options.partition ?? partitionOf(region);
  return {
    region,
    partition,
    account: options.account ?? '123456789012',
    urlSuffix: partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    stackName: options.stackName ?? 'Stack',
    template,
    parameters: options.parameters ?? {},
  };
}

/**
 * Resolve every CloudFormation intrinsic in a value against a fake environment (see {@link ExtractOptions}).
 * Exported so callers can resolve other properties the same way (a function's environment, a table name).
 */
export function resolveIntrinsics(value: unknown, template: CfnTemplate, options: ExtractOptions = {}): unknown {
  const resolved = resolve(value, makeEnv(template, options), 'value');
  return resolved === NO_VALUE ? undefined : resolved;
}

/**
 * Logical id → construct path for every CloudFormation resource under a construct (usually a Stack).
 * Why: `Template.fromStack` omits `aws:cdk:path` metadata unless the App enables it; the tree always has it.
 */
export function constructPathsOf(scope: IConstruct): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const construct of scope.node.findAll()) {
    const candidate = construct as IConstruct & { cfnResourceType?: unknown; logicalId?: unknown; stack?: { resolve(value: unknown): unknown } };
    if (typeof candidate.cfnResourceType !== 'string' || candidate.logicalId === undefined || !candidate.stack) continue;
    const logicalId = candidate.stack.resolve(candidate.logicalId);
    if (typeof logicalId === 'string') paths[logicalId] = construct.node.path;
  }
  return paths;
}

/** `OperatorStack/Warden/PlanBatchFunction/Resource` → `PlanBatchFunction`. */
function constructIdOf(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const parts = path.split('/');
  const last = parts.at(-1);
  return last === 'Resource' && parts.length > 1 ? parts.at(-2) : last;
}

function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, out);
  else if (isRecord(value)) for (const item of Object.values(value)) stringsIn(item, out);
  return out;
}

function applySubstitutions(value: unknown, substitutions: Record<string, string>): unknown {
  if (typeof value === 'string') return value.replace(/\$\{([^}]+)\}/g, (whole, key: string) => substitutions[key] ?? whole);
  if (Array.isArray(value)) return value.map((item) => applySubstitutions(item, substitutions));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, applySubstitutions(item, substitutions)]));
  return value;
}

function metadataString(metadata: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = metadata?.[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Find every `AWS::StepFunctions::StateMachine` in a template and return its runnable ASL, plus every Lambda
 * function (ARN, handler, environment, construct path, asset metadata) so a caller can route `lambda:invoke`
 * tasks to the real handler modules. See the module comment for what identifies a function's source.
 */
export function extractStateMachines(template: CfnTemplate, options: ExtractOptions = {}): ExtractResult {
  const env = makeEnv(template, options);
  const treePaths = options.stack ? constructPathsOf(options.stack) : {};
  const resources = template.Resources ?? {};
  const pathOf = (logicalId: string, resource: CfnResourceJson): string | undefined =>
    treePaths[logicalId] ?? metadataString(resource.Metadata, 'aws:cdk:path');

  const lambdas: Record<string, ExtractedLambda> = {};
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const where = `Resources.${logicalId}`;
    const props = resource.Properties ?? {};
    const variables = resolve((props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {}, env, `${where}.Properties.Environment.Variables`);
    const environment: Record<string, string> = {};
    if (isRecord(variables)) for (const [key, value] of Object.entries(variables)) environment[key] = typeof value === 'string' ? value : JSON.stringify(value);
    const cdkPath = pathOf(logicalId, resource);
    const assetPath = metadataString(resource.Metadata, 'aws:asset:path');
    const assetProperty = metadataString(resource.Metadata, 'aws:asset:property');
    const isBundled = resource.Metadata?.['aws:asset:is-bundled'];
    const lambda: ExtractedLambda = {
      logicalId,
      arn: arnOf(env, logicalId, where),
      functionName: physicalName(env, logicalId, where),
      environment,
    };
    if (typeof props.Handler === 'string') lambda.handler = props.Handler;
    if (typeof props.Runtime === 'string') lambda.runtime = props.Runtime;
    if (typeof props.Timeout === 'number') lambda.timeoutSeconds = props.Timeout;
    if (typeof props.MemorySize === 'number') lambda.memorySize = props.MemorySize;
    if (cdkPath) {
      lambda.cdkPath = cdkPath;
      lambda.constructId = constructIdOf(cdkPath);
    }
    if (assetPath || assetProperty || typeof isBundled === 'boolean') {
      lambda.asset = {
        ...(assetPath ? { path: assetPath } : {}),
        ...(assetProperty ? { property: assetProperty } : {}),
        ...(typeof isBundled === 'boolean' ? { isBundled } : {}),
      };
    }
    lambdas[logicalId] = lambda;
  }

  const stateMachines: ExtractedStateMachine[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const where = `Resources.${logicalId}.Properties`;
    const props = resource.Properties ?? {};
    const substitutions: Record<string, string> = {};
    if (isRecord(props.DefinitionSubstitutions)) {
      for (const [key, value] of Object.entries(props.DefinitionSubstitutions)) {
        substitutions[key] = asString(resolve(value, env, `${where}.DefinitionSubstitutions.${key}`), `${where}.DefinitionSubstitutions.${key}`);
      }
    }
    let parsed: unknown;
    if (props.DefinitionString !== undefined) {
      const text = asString(resolve(props.DefinitionString, env, `${where}.DefinitionString`), `${where}.DefinitionString`);
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new IntrinsicResolutionError(`${where}.DefinitionString: not JSON after resolving intrinsics: ${(error as Error).message}`);
      }
    } else if (props.Definition !== undefined) {
      parsed = resolve(props.Definition, env, `${where}.Definition`);
    } else {
      throw new IntrinsicResolutionError(`${where}: only DefinitionString or Definition is supported (DefinitionS3Location is not)`);
    }
    const definition = asAslDefinition(applySubstitutions(parsed, substitutions), `${where} definition`);

    const used = new Set(stringsIn(definition));
    const lambdaFunctions: Record<string, string> = {};
    for (const lambda of Object.values(lambdas)) {
      for (const text of used) {
        if (text === lambda.arn || text.startsWith(`${lambda.arn}:`) || text === lambda.functionName) {
          lambdaFunctions[lambda.arn] = lambda.logicalId;
          break;
        }
      }
    }
    const cdkPath = pathOf(logicalId, resource);
    const name = physicalName(env, logicalId, `Resources.${logicalId}`);
    stateMachines.push({
      logicalId,
      arn: arnOf(env, logicalId, `Resources.${logicalId}`),
      name,
      ...(cdkPath ? { cdkPath, constructId: constructIdOf(cdkPath) } : {}),
      definition,
      lambdaFunctions,
    });
  }
  return { stateMachines, lambdas };
}

/**
 * Pick one state machine by logical id, construct id (`Reconcile`) or construct path fragment, failing with
 * the list of candidates when the match is missing or ambiguous. Logical ids carry a hash, so tests use this.
 */
export function findStateMachine(result: ExtractResult, match: string): ExtractedStateMachine {
  const exact = result.stateMachines.filter((machine) => machine.logicalId === match || machine.constructId === match || machine.cdkPath === match);
  const candidates = exact.length > 0 ? exact : result.stateMachines.filter((machine) => machine.cdkPath?.includes(match) || machine.logicalId.startsWith(match));
  const [only, ...rest] = candidates;
  if (!only || rest.length > 0) {
    const known = result.stateMachines.map((machine) => machine.cdkPath ?? machine.logicalId).join(', ');
    throw new Error(`${candidates.length === 0 ? 'no' : 'more than one'} state machine matches "${match}" (have: ${known})`);
  }
  return only;
}
