/**
 * One local AWS (moto, see local/local-aws.ts) per test file: started in beforeAll, stopped in afterAll.
 * Each file gets its own server on its own port, so files can run in parallel without sharing state.
 */
import { afterAll, beforeAll } from 'vitest';
import { startLocalAws, type LocalAws, type StartLocalAwsOptions } from '../../local/local-aws.ts';

/** SDK v3 client settings for the local AWS: pass to `new DynamoDBClient(local.clientConfig)`. */
export interface LocalClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** Accessors for the file's local AWS; they throw outside tests (before beforeAll has run). */
export interface LocalAwsHandle {
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly clientConfig: LocalClientConfig;
  /** The underlying server, for tests of the launcher itself. */
  readonly server: LocalAws;
  /** Drops all state in every service; call it in beforeEach for test-level isolation. */
  reset(): Promise<void>;
}

/** Registers beforeAll/afterAll hooks that run one local AWS for the calling test file. */
export function useLocalAws(options: StartLocalAwsOptions = {}): LocalAwsHandle {
  let server: LocalAws | undefined;
  beforeAll(async () => {
    server = await startLocalAws(options);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    server = undefined;
  });

  const current = (): LocalAws => {
    if (!server) throw new Error('useLocalAws(): the local AWS runs only inside tests (after beforeAll)');
    return server;
  };
  return {
    get endpoint() {
      return current().endpoint;
    },
    get port() {
      return current().port;
    },
    get region() {
      return current().region;
    },
    get server() {
      return current();
    },
    get clientConfig() {
      const { endpoint, region } = current();
      return { endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    },
    reset: () => current().reset(),
  };
}
