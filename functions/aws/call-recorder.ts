/**
 * Counts every AWS API call the adapters make, by IAM action name.
 *
 * Why: two properties of the operator are proved by counting calls, not by reading code. "No drift ⇒ zero write
 * commands" (a converged account is only read), and IAM least privilege (the actions the adapters exercise must
 * be exactly the actions the CDK stack grants). The second needs exact IAM action names such as
 * `dynamodb:DescribeTable` or `tag:GetResources`, not SDK command names, so the mapping lives here, once.
 */

import { CREATE_BACKUP_VAULT_REQUIRES } from '../core/backup-plan-selection.ts';

/** One API call as the recorder saw it. */
export interface CallRecord {
  /** The IAM action the call is authorised against, e.g. `dynamodb:DescribeTable`. */
  action: string;
  /**
   * Every IAM action the call is authorised against. Usually just `[action]`; a DynamoDB transaction or PartiQL
   * batch can need several (e.g. `dynamodb:PutItem` and `dynamodb:ConditionCheckItem`).
   */
  iamActions: string[];
  /** The IAM service prefix: `dynamodb`, `kms`, `backup`, `tag`. */
  service: string;
  /** The API operation name, e.g. `DescribeTable`. */
  operation: string;
  /** True unless every IAM action is a read (Describe*, List*, Get*, BatchGet*, Query, Scan, PartiQLSelect). */
  write: boolean;
  /** When the call was started. */
  startedAt: Date;
  /** HTTP attempts the SDK made (retries included), once the call has finished and the SDK reported it. */
  attempts?: number;
  /** The error name, when the call failed after the SDK's retries. */
  error?: string;
}

/** Filter for {@link CallRecorder.count}: an action (`*` wildcards allowed, e.g. `kms:*`) or a predicate. */
export type CallFilter = string | ((call: CallRecord) => boolean);

const READ_PREFIXES = ['Describe', 'List', 'Get', 'BatchGet'];
const READ_ACTIONS = new Set(['Query', 'Scan', 'PartiQLSelect']);

/**
 * Whether an IAM action (with or without its service prefix) only reads.
 *
 * Why this rule: it is the convention the DynamoDB, KMS, Backup and tagging APIs follow, and it errs towards
 * "write" for anything unfamiliar, which is the safe side for a "no writes when converged" assertion.
 */
export function isReadAction(action: string): boolean {
  const name = action.includes(':') ? action.slice(action.indexOf(':') + 1) : action;
  return READ_PREFIXES.some((prefix) => name.startsWith(prefix)) || READ_ACTIONS.has(name);
}

/**
 * The IAM actions an API call is authorised against.
 *
 * Why not just `${service}:${operation}`: for most operations that is right, but DynamoDB's transactions and
 * PartiQL operations have no IAM action of their own. Their permissions are those of the item operations they
 * contain (see "Using IAM with DynamoDB transactions" and "IAM policies with PartiQL for DynamoDB").
 */
export function iamActionsFor(service: string, operation: string, input: unknown): string[] {
  if (service === 'dynamodb') {
    const derived = dynamodbDerivedActions(operation, input);
    if (derived !== undefined && derived.length > 0) return derived.map((name) => `dynamodb:${name}`);
  }
  // Reading one version of an object (a VersionId in the request) is authorised as s3:GetObjectVersion.
  const versioned = service === 's3' && (operation === 'GetObject' || operation === 'HeadObject') && (input as { VersionId?: unknown } | undefined)?.VersionId !== undefined;
  const own = versioned ? 's3:GetObjectVersion' : (IAM_ACTION_NAMES[`${service}:${operation}`] ?? `${service}:${operation}`);
  return [own, ...dependentActions(service, operation, (input ?? {}) as Record<string, unknown>)];
}

/** API operations whose IAM action has another name (Service Authorization Reference). */
const IAM_ACTION_NAMES: Record<string, string> = {
  's3:ListObjectsV2': 's3:ListBucket',
  // HeadObject has no action of its own: "you must have READ access to the object" (s3:GetObject).
  's3:HeadObject': 's3:GetObject',
};

/**
 * Actions AWS authorises in addition to the operation's own ("dependent actions" in the Service Authorization
 * Reference): a role missing them gets AccessDenied on a call it is otherwise allowed to make.
 */
function dependentActions(service: string, operation: string, input: Record<string, unknown>): string[] {
  const has = (key: string) => input[key] !== undefined && !(Array.isArray(input[key]) && (input[key] as unknown[]).length === 0);
  switch (`${service}:${operation}`) {
    case 'kms:CreateKey':
      return has('Tags') ? ['kms:TagResource'] : [];
    case 'backup:CreateBackupVault':
      // "Backup vault creation and deletion" (AWS Backup guide): the vault's storage and its KMS key.
      return [...CREATE_BACKUP_VAULT_REQUIRES, ...(has('BackupVaultTags') ? ['backup:TagResource'] : [])];
    case 'backup:CreateBackupPlan':
      return has('BackupPlanTags') ? ['backup:TagResource'] : [];
    case 'backup:CreateBackupSelection':
    case 'backup:StartBackupJob':
      return ['iam:PassRole']; // the IamRoleArn handed to AWS Backup
    case 'dynamodb:CreateTable':
    case 'dynamodb:UpdateTable': {
      // A customer-managed key: DynamoDB creates a grant on it as the caller, and describes it.
      const sse = input['SSESpecification'] as { KMSMasterKeyId?: string } | undefined;
      return sse?.KMSMasterKeyId ? ['kms:CreateGrant', 'kms:DescribeKey'] : [];
    }
    default:
      return [];
  }
}

function dynamodbDerivedActions(operation: string, input: unknown): string[] | undefined {
  const record = (input ?? {}) as Record<string, unknown>;
  switch (operation) {
    case 'ExecuteStatement':
      return unique([partiqlAction(record['Statement'])]);
    case 'BatchExecuteStatement':
      return unique(asArray(record['Statements']).map((s) => partiqlAction((s as Record<string, unknown>)['Statement'])));
    case 'ExecuteTransaction':
      return unique(asArray(record['TransactStatements']).map((s) => partiqlAction((s as Record<string, unknown>)['Statement'])));
    case 'TransactGetItems':
      return ['GetItem'];
    case 'TransactWriteItems': {
      const names: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };
      return unique(
        asArray(record['TransactItems']).flatMap((item) => Object.keys(item as object).filter((k) => k in names).map((k) => names[k] as string)),
      );
    }
    default:
      return undefined;
  }
}

function partiqlAction(statement: unknown): string {
  const verb = typeof statement === 'string' ? (statement.trim().split(/\s+/)[0] ?? '').toUpperCase() : '';
  switch (verb) {
    case 'SELECT':
      return 'PartiQLSelect';
    case 'INSERT':
      return 'PartiQLInsert';
    case 'UPDATE':
      return 'PartiQLUpdate';
    case 'DELETE':
      return 'PartiQLDelete';
    default:
      // Unknown statement: claim every PartiQL write so a least-privilege check fails loudly rather than silently.
      return 'PartiQLUpdate';
  }
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * The shared, in-memory log of API calls for one {@link createClients} factory call.
 *
 * Why one recorder per factory call: a run (one reconcile, one drill) owns one set of clients, so "calls made by
 * this run" is exactly "calls recorded here", even when tests run several runs side by side.
 */
export class CallRecorder {
  private calls: CallRecord[] = [];

  /**
   * Records an attempted call (before it is sent, so failed calls count too) and returns the mutable record so
   * the caller can add the outcome.
   */
  record(service: string, operation: string, input?: unknown): CallRecord {
    const iamActions = iamActionsFor(service, operation, input);
    const call: CallRecord = {
      action: iamActions[0] as string,
      iamActions,
      service,
      operation,
      write: !iamActions.every(isReadAction),
      startedAt: new Date(),
    };
    this.calls.push(call);
    return call;
  }

  /** Every recorded call, oldest first (a copy). */
  all(): CallRecord[] {
    return [...this.calls];
  }

  /** How many calls match `filter` (all calls when omitted). A call matches when any of its IAM actions does. */
  count(filter?: CallFilter): number {
    if (filter === undefined) return this.calls.length;
    if (typeof filter === 'function') return this.calls.filter(filter).length;
    const pattern = actionPattern(filter);
    return this.calls.filter((call) => call.iamActions.some((action) => pattern.test(action))).length;
  }

  /** The calls that change something. */
  writes(): CallRecord[] {
    return this.calls.filter((call) => call.write);
  }

  /** Calls per IAM action, e.g. `{ 'dynamodb:DescribeTable': 3 }`. Multi-action calls count once per action. */
  byAction(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const call of this.calls) {
      for (const action of call.iamActions) counts[action] = (counts[action] ?? 0) + 1;
    }
    return counts;
  }

  /** Forgets every recorded call (e.g. between the observe and apply phases of a test). */
  reset(): void {
    this.calls = [];
  }
}

function actionPattern(filter: string): RegExp {
  const body = filter
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}
