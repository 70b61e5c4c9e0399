/**
 * Helpers for reading a synthesized CloudFormation template in tests: policy statements by role, every policy
 * document anywhere, and intrinsic values rendered as readable strings.
 */

import { extractStateMachines, type CfnTemplate } from '../../local/workflow/extract.ts';

/**
 * The Reconcile ASL of a synthesized template, intrinsics resolved (one extractor for tests, the local runner and
 * `npm start`: local/workflow/extract.ts). The stack has two state machines: Reconcile (starts at
 * ApplyInputDefaults) and its child ApplyBatchRounds ({@link applyBatchRoundsAslFromTemplate}).
 */
export function reconcileAslFromTemplate(template: object): Record<string, unknown> {
  return aslStartingAt(template, 'ApplyInputDefaults');
}

/** The ApplyBatchRounds ASL (one batch in rounds; started by Reconcile with startExecution.sync:2). */
export function applyBatchRoundsAslFromTemplate(template: object): Record<string, unknown> {
  return aslStartingAt(template, 'FirstRound');
}

function aslStartingAt(template: object, startAt: string): Record<string, unknown> {
  const { stateMachines } = extractStateMachines(template as CfnTemplate);
  const found = stateMachines.filter((machine) => (machine.definition as { StartAt?: string }).StartAt === startAt);
  if (found.length !== 1) throw new Error(`expected one state machine starting at ${startAt}, found ${found.length} of ${stateMachines.length}`);
  return found[0]!.definition as unknown as Record<string, unknown>;
}

/** A CloudFormation template as JSON. */
export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown>; DeletionPolicy?: string }>;
  Outputs?: Record<string, unknown>;
}

/** An IAM statement with Action/Resource normalised to arrays. */
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  NotAction?: unknown;
  Resource: unknown[];
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function normalise(statement: Record<string, unknown>): Statement {
  return {
    ...(statement as object),
    Effect: statement['Effect'] as Statement['Effect'],
    Action: asArray(statement['Action'] as string | string[] | undefined),
    Resource: asArray(statement['Resource'] as unknown),
  } as Statement;
}

/** Every statement of the identity policies attached to a role (its inline policies and AWS::IAM::Policy resources). */
export function roleStatements(template: TemplateJson, roleLogicalId: string): Statement[] {
  const role = template.Resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role`);
  const inline = asArray(role.Properties?.['Policies'] as Array<{ PolicyDocument: { Statement: unknown[] } }> | undefined).flatMap((policy) => policy.PolicyDocument.Statement);
  const attached = Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((resource) => asArray(resource.Properties?.['Roles'] as unknown[]).some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((resource) => (resource.Properties?.['PolicyDocument'] as { Statement: unknown[] }).Statement);
  return [...inline, ...attached].map((statement) => normalise(statement as Record<string, unknown>));
}

/** Every policy statement anywhere in the template: identity, key, bucket, topic and resource policies. */
export function allStatements(template: TemplateJson): Array<{ resource: string; statement: Statement }> {
  const found: Array<{ resource: string; statement: Statement }> = [];
  const walk = (value: unknown, resource: string) => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, resource);
    } else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if ('Effect' in record && ('Action' in record || 'NotAction' in record)) found.push({ resource, statement: normalise(record) });
      for (const child of Object.values(record)) walk(child, resource);
    }
  };
  for (const [logicalId, resource] of Object.entries(template.Resources)) walk(resource.Properties, logicalId);
  return found;
}

/** Whether an IAM action pattern (`*`, `?` wildcards, case-insensitive) matches an action. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(action);
}

/**
 * An intrinsic rendered as a string: `Ref` → `${Name}`, `Fn::GetAtt` → `${Name.Attr}`, `Fn::Join` joined, so ARNs
 * can be compared with literals such as `arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*`.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (typeof record['Ref'] === 'string') return `\${${record['Ref']}}`;
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `\${${getAtt.join('.')}}`;
    const join = record['Fn::Join'];
    if (Array.isArray(join)) return (join[1] as unknown[]).map(render).join(join[0] as string);
  }
  return JSON.stringify(value);
}

/** Resources of one type, by logical id. */
export function resourcesOfType(template: TemplateJson, type: string): Record<string, NonNullable<TemplateJson['Resources'][string]>> {
  return Object.fromEntries(Object.entries(template.Resources).filter(([, resource]) => resource.Type === type));
}
