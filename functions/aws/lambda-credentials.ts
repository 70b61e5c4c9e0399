/**
 * The AWS SDK's default credential chain as the Lambda bundles have it: the environment, then the container
 * credential endpoint. infra/handler-bundle.ts's options substitute this module for
 * `@aws-sdk/credential-provider-node` in the SDK layer the Lambda functions take the SDK from (infra/sdk-layer.ts)
 * only (the CLI, the tests and the local runner keep the SDK's full chain).
 *
 * Why: the full chain also carries SSO, shared-config profiles with role assumption, credential processes, web
 * identity and the EC2 instance metadata service, each with its own nested STS/SSO/OIDC clients: about 90 KB of
 * every bundle. None of it can apply in Lambda, whose runtime puts the execution role's credentials in
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime). The
 * container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI) is kept for environments that hand
 * credentials out that way instead. The SDK client memoizes and refreshes what this returns, as with the full chain.
 *
 * Exports the same names as `@aws-sdk/credential-provider-node`'s entry point that the clients import.
 */
import { fromEnv, fromHttp } from '@aws-sdk/credential-providers';

/** What the clients pass the default provider (their config); only the logger is used here. */
interface ProviderInit {
  logger?: { debug?: (message: string) => void };
}

/** What the identity resolution calls: credentials with an optional expiry. */
type Credentials = Awaited<ReturnType<ReturnType<typeof fromEnv>>>;

/** The variables that name a container credential endpoint. */
const CONTAINER_VARIABLES = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];

/** No credentials in the environment nor a container endpoint: the message says where they were looked for. */
export class LambdaCredentialsMissing extends Error {
  override name = 'CredentialsProviderError';
}

/** The Lambda default chain: environment, then the container endpoint when one is configured. */
export function defaultProvider(init: ProviderInit = {}): (properties?: Record<string, unknown>) => Promise<Credentials> {
  return async () => {
    if (process.env['AWS_ACCESS_KEY_ID'] && process.env['AWS_SECRET_ACCESS_KEY']) {
      init.logger?.debug?.('tablewarden lambda credentials: from the environment');
      return fromEnv()();
    }
    if (CONTAINER_VARIABLES.some((variable) => process.env[variable])) {
      init.logger?.debug?.('tablewarden lambda credentials: from the container endpoint');
      return fromHttp({})();
    }
    throw new LambdaCredentialsMissing(
      'No AWS credentials: neither AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (set by the Lambda runtime) nor a container credential endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI/AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) is set',
    );
  };
}

/** As in the SDK: credentials with an expiry are refreshed. */
export const credentialsWillNeedRefresh = (credentials?: { expiration?: Date }): boolean => credentials?.expiration !== undefined;

/** As in the SDK: credentials that expire within five minutes are treated as expired. */
export const credentialsTreatedAsExpired = (credentials?: { expiration?: Date }): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
