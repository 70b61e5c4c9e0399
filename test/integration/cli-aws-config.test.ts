/**
 * The CLI finds its region and credentials as the AWS CLI does: --region, else AWS_REGION / AWS_DEFAULT_REGION,
 * else the profile's region; credentials from the profile through the SDK's own providers (here a
 * credential_process profile, which only the SDK's provider chain can run). A missing region is one line that says
 * what to do, naming flags and settings, not internal fields.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { useLocalAws } from '../helpers/local-aws.ts';

const run = promisify(execFile);
const local = useLocalAws();
/** A region the test account lives in and nothing in the test environment names. */
const PROFILE_REGION = 'eu-west-3';

const home = mkdtempSync(join(tmpdir(), 'tw-aws-config-'));
const marker = join(home, 'credential-process-ran');
const configFile = join(home, 'config');
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Run the CLI with only the AWS settings given (none inherited from the test's environment). */
async function tablewarden(args: string[], aws: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/tablewarden.js', ...args], {
      env: { ...env, NO_COLOR: '1', AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...aws },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Table name → plan status, from `plan --output json`. */
function statuses(stdout: string): Record<string, string> {
  const plan = JSON.parse(stdout) as { tables: Array<{ name: string; status: string }> };
  return Object.fromEntries(plan.tables.map((table) => [table.name, table.status]));
}

beforeAll(async () => {
  // The drifted sample account, in PROFILE_REGION only: a plan in another region would want to create every table.
  await createDriftedAccount(createClients({ ...local.clientConfig, region: PROFILE_REGION }));
  const credentialProcess = join(home, 'credential-process.cjs');
  writeFileSync(
    credentialProcess,
    `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nprocess.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'AKIDPROCESS', SecretAccessKey: 'process-secret' }));\n`,
  );
  writeFileSync(configFile, `[profile dev]\nregion = ${PROFILE_REGION}\ncredential_process = ${process.execPath} ${credentialProcess}\n\n[profile noregion]\ncredential_process = ${process.execPath} ${credentialProcess}\n`);
});

describe('the region and credentials of the CLI', () => {
  it("takes the region from --profile, and its credentials from the profile's credential_process", async () => {
    // Act
    const result = await tablewarden(['plan', '--output', 'json', '--profile', 'dev', '--endpoint-url', local.endpoint], {});
    // Assess: the drifted tables were found (updates, not creates), so the plan read PROFILE_REGION
    expect(result.stderr).not.toMatch(/region/i);
    expect(statuses(result.stdout)).toMatchObject({ Customers: 'update' });
    expect(existsSync(marker) && readFileSync(marker, 'utf8')).toBe('ran');
  });

  it('takes AWS_PROFILE like --profile, and AWS_DEFAULT_REGION when AWS_REGION is unset', async () => {
    // Act
    const fromProfileVariable = await tablewarden(['plan', '--output', 'json', '--endpoint-url', local.endpoint], { AWS_PROFILE: 'dev' });
    const fromDefaultRegion = await tablewarden(['plan', '--output', 'json', '--endpoint-url', local.endpoint], { AWS_DEFAULT_REGION: PROFILE_REGION, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    const elsewhere = await tablewarden(['plan', '--output', 'json', '--endpoint-url', local.endpoint, '--region', 'us-west-2'], { AWS_PROFILE: 'dev' });
    // Assess: --region beats the profile's region
    expect(statuses(fromProfileVariable.stdout)).toMatchObject({ Customers: 'update' });
    expect(statuses(fromDefaultRegion.stdout)).toMatchObject({ Customers: 'update' });
    expect(statuses(elsewhere.stdout)).toMatchObject({ Customers: 'create' });
  });

  it('says in one line what to do when no region is set anywhere, and calls nothing', async () => {
    // Act
    const result = await tablewarden(['plan', '--profile', 'noregion', '--endpoint-url', local.endpoint], {});
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "tablewarden: no AWS region: pass --region, set AWS_REGION, or set region in profile 'noregion' (aws configure set region REGION --profile noregion)\n",
    );
  });
});
