/**
 * The credential chain of the Lambda bundles (functions/aws/lambda-credentials.ts): the environment the Lambda
 * runtime sets, else a container credential endpoint, else a clear error; never a profile or IMDS.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialsTreatedAsExpired, credentialsWillNeedRefresh, defaultProvider } from '../../functions/aws/lambda-credentials.ts';

const VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'];
let saved: Record<string, string | undefined>;
let server: Server | undefined;

beforeEach(() => {
  saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of VARIABLES) delete process.env[name];
});

afterEach(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('Lambda credential chain', () => {
  it("takes the execution role's credentials from the environment, as the Lambda runtime sets them", async () => {
    // Prepare
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIAROLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
    // Act
    const credentials = await defaultProvider()();
    // Assess
    expect(credentials).toMatchObject({ accessKeyId: 'ASIAROLE', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  it('ignores AWS_PROFILE (no shared config in Lambda) and still uses the environment', async () => {
    // Prepare
    Object.assign(process.env, { AWS_PROFILE: 'someone', AWS_ACCESS_KEY_ID: 'ASIAROLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    // Act
    const credentials = await defaultProvider()();
    // Assess
    expect(credentials).toMatchObject({ accessKeyId: 'ASIAROLE' });
  });

  it('falls back to the container credential endpoint when the environment has none', async () => {
    // Prepare: a container endpoint answering as the ECS/EKS agents do.
    const expiration = new Date(Date.now() + 3_600_000).toISOString();
    server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(request.headers.authorization === 'Bearer t0k' ? { AccessKeyId: 'ASIACONTAINER', SecretAccessKey: 's', Token: 'tok', Expiration: expiration } : {}));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    Object.assign(process.env, { AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/creds`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'Bearer t0k' });
    // Act
    const credentials = await defaultProvider()();
    // Assess
    expect(credentials).toMatchObject({ accessKeyId: 'ASIACONTAINER', sessionToken: 'tok' });
    expect(credentialsWillNeedRefresh(credentials)).toBe(true);
  });

  it('says where it looked when there are no credentials', async () => {
    // Act
    const error = await defaultProvider()().catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({ name: 'CredentialsProviderError', message: expect.stringMatching(/AWS_ACCESS_KEY_ID.*AWS_CONTAINER_CREDENTIALS_FULL_URI/) });
  });

  it('treats credentials as expired five minutes before they expire, as the SDK does', () => {
    // Prepare
    const now = Date.now();
    // Assess
    expect(credentialsTreatedAsExpired({ expiration: new Date(now + 4 * 60_000) })).toBe(true);
    expect(credentialsTreatedAsExpired({ expiration: new Date(now + 10 * 60_000) })).toBe(false);
    expect(credentialsTreatedAsExpired({})).toBe(false);
  });
});
