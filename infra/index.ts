/**
 * The package's construct entry (`import { TableWarden } from 'tablewarden'`): the operator construct, its props and
 * the types a consumer names in them. Why a separate entry: the CLI and the construct ship in one package, but a CDK
 * app should import only the construct side (aws-cdk-lib and constructs are its peer dependencies).
 */
export { TableWarden, DEFAULT_DRILL_SCHEDULES, HANDLER_METADATA_KEY, type TableWardenProps } from './table-warden.ts';
export type { ConfigRulesProps } from './config-rules.ts';
export type { HandlerName } from './permissions.ts';
