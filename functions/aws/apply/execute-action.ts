/**
 * One table action → its AWS call. Returns whether DynamoDB must settle before the table's next change
 * (CreateTable and every UpdateTable change), so the caller decides to wait (CLI) or defer (workflow).
 */
import {
  CreateTableCommand,
  TagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateContributorInsightsCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DesiredSpec } from '../../core/model/desired.ts';
import type { Action } from '../../core/model/plan.ts';
import type { AwsClients } from '../clients.ts';
import type { BackupEnsurer } from './backup-coverage.ts';
import { explainRefusal } from './refusals.ts';
import { createTableInput, updateTableInput } from './requests.ts';

/** Table actions: everything but the account-level KMS key actions. */
export type TableAction = Exclude<Action, { type: 'CreateKmsKey' | 'UpdateKmsKeyRotation' }>;

/** What executing a table's actions needs, and learns (the ARN of a new table, its index names). */
export interface TableSession {
  name: string;
  spec: DesiredSpec;
  clients: AwsClients;
  backup: BackupEnsurer;
  arn?: string;
  indexNames: string[];
  /** Run a DynamoDB call, retrying "not now" answers as the caller's mode allows. */
  later<T>(what: string, call: () => Promise<T>): Promise<T>;
}

function tableArn(session: TableSession): string {
  if (!session.arn) throw new Error(`${session.name}: table ARN unknown`);
  return session.arn;
}

/** Execute one action. Resolves `{ settle: true }` when DynamoDB needs time before the next change. */
export async function executeTableAction(session: TableSession, action: TableAction): Promise<{ settle: boolean }> {
  const { clients, name } = session;
  switch (action.type) {
    case 'CreateTable': {
      // ResourceInUseException from CreateTable means the table exists now: never a "not now" worth retrying.
      const created = await session.later('CreateTable', () =>
        clients.dynamodb.send(new CreateTableCommand(createTableInput(name, action.spec))).catch((error: unknown) => {
          throw explainRefusal(name, action, error) ?? error;
        }),
      );
      session.arn = created.TableDescription?.TableArn;
      return { settle: true };
    }
    case 'UpdatePointInTimeRecovery': {
      const period = action.enabled && action.recoveryPeriodDays !== undefined ? { RecoveryPeriodInDays: action.recoveryPeriodDays } : {};
      await session.later('UpdateContinuousBackups', () =>
        clients.dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: action.enabled, ...period } })),
      );
      return { settle: false };
    }
    case 'TagResource':
      await session.later('TagResource', () =>
        clients.dynamodb.send(new TagResourceCommand({ ResourceArn: tableArn(session), Tags: Object.entries(action.tags).map(([Key, Value]) => ({ Key, Value })) })),
      );
      return { settle: false };
    case 'UpdateTimeToLive':
      await session.later('UpdateTimeToLive', () =>
        clients.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: action.enabled, AttributeName: action.attributeName } })),
      );
      return { settle: false };
    case 'UpdateContributorInsights':
      await session.later('UpdateContributorInsights', () =>
        clients.dynamodb.send(
          new UpdateContributorInsightsCommand({
            TableName: name,
            ContributorInsightsAction: action.enabled ? 'ENABLE' : 'DISABLE',
            // ENABLE with a mode also switches the mode of an enabled table; without one DynamoDB uses its default.
            ...(action.enabled && action.mode ? { ContributorInsightsMode: action.mode } : {}),
          }),
        ),
      );
      return { settle: false };
    case 'AddToBackupPlan':
      await session.backup.addTable(action.plan, tableArn(session), (what, call) => session.later(what, call));
      return { settle: false };
    case 'StartBackupJob':
      await session.backup.startBackup(action.plan, tableArn(session));
      return { settle: false };
    case 'UpdateSse':
    case 'UpdateDeletionProtection':
    case 'UpdateStream':
    case 'UpdateBilling':
    case 'UpdateTableClass':
    case 'DeleteGlobalSecondaryIndex':
    case 'CreateGlobalSecondaryIndex':
    case 'UpdateGlobalSecondaryIndex':
      await session.later('UpdateTable', () => clients.dynamodb.send(new UpdateTableCommand(updateTableInput(name, action, session.spec, session.indexNames))));
      return { settle: true };
    default:
      throw new Error(`no executor for ${(action satisfies never as Action).type}`);
  }
}
