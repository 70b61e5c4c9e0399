/**
 * Guard: the ASL features aws-local-stepfunctions 3.0.0 cannot run faithfully, found anywhere in a definition
 * (nested Map and Parallel states included). The library ignores JSONata (`QueryLanguage`, `Arguments`, `Output`,
 * `{% %}` expressions), has no variables (`Assign`), runs every Map inline (so `ItemReader`, `ResultWriter`,
 * `ItemBatcher`, tolerated failures are silently dropped) and cannot hand out task tokens. A workflow test that
 * passes locally while using any of these would prove nothing, so the state machines stay on JSONPath with INLINE
 * Maps and a test asserts this guard accepts the synthesized ASL.
 */
import { asAslDefinition, childDefinitions, type AslDefinition, type AslState } from './asl.ts';

/** The unsupported feature families the guard reports. */
export type UnsupportedFeature = 'JSONata' | 'Assign' | 'Distributed Map' | 'Task token';

/** One unsupported use, with where it is. */
export interface UnsupportedAslFinding {
  feature: UnsupportedFeature;
  /** Readable location, e.g. `States.Fan out.ItemProcessor.States.Plan` or `(top level)`. */
  location: string;
  detail: string;
}

/** Thrown by {@link assertSupportedAsl}; carries every finding so a test can assert on them. */
export class UnsupportedAslError extends Error {
  override name = 'UnsupportedAslError';
  constructor(readonly findings: UnsupportedAslFinding[]) {
    super(
      `The state machine uses ASL features the local runner (aws-local-stepfunctions 3.0.0) cannot run faithfully:\n` +
        findings.map((finding) => `  - ${finding.feature}: ${finding.location}: ${finding.detail}`).join('\n') +
        `\nKeep workflows on JSONPath with INLINE Maps, no Assign and no task tokens.`,
    );
  }
}

/** Fields that only exist in JSONata states. */
const JSONATA_FIELDS = ['Arguments', 'Output', 'Items'] as const;
/** Map fields that only exist in Distributed mode. */
const DISTRIBUTED_FIELDS = [
  'ItemReader',
  'ResultWriter',
  'ItemBatcher',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
  'Label',
] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Strings anywhere inside a value, skipping nested state machines (they are visited as states themselves). */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, out);
  else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'States' || key === 'ItemProcessor' || key === 'Iterator' || key === 'Branches') continue;
      strings(item, out);
    }
  }
  return out;
}

function checkState(name: string, state: AslState, location: string, findings: UnsupportedAslFinding[]): void {
  const add = (feature: UnsupportedFeature, detail: string): void => {
    findings.push({ feature, location, detail });
  };

  // JSONata
  if (state.QueryLanguage === 'JSONata') add('JSONata', `state "${name}" sets QueryLanguage: JSONata`);
  for (const field of JSONATA_FIELDS) {
    // `Items` is JSONata-only on Map; other states do not have it.
    if (field === 'Items' && state.Type !== 'Map') continue;
    if (field in state) add('JSONata', `state "${name}" uses ${field} (a JSONata-only field)`);
  }
  if (state.Type === 'Choice' && Array.isArray(state.Choices) && state.Choices.some((rule) => isRecord(rule) && 'Condition' in rule)) {
    add('JSONata', `Choice "${name}" uses Condition (a JSONata-only field)`);
  }
  if (strings(state).some((text) => /^\s*\{%[\s\S]*%\}\s*$/.test(text))) add('JSONata', `state "${name}" contains a {% JSONata %} expression`);

  // Variables
  if ('Assign' in state) add('Assign', `state "${name}" assigns variables`);
  if (Array.isArray(state.Choices)) {
    state.Choices.forEach((rule, index) => {
      if (isRecord(rule) && 'Assign' in rule) add('Assign', `Choice "${name}" rule ${index} assigns variables`);
    });
  }
  if (Array.isArray(state.Catch)) {
    state.Catch.forEach((catcher, index) => {
      if (isRecord(catcher) && 'Assign' in catcher) add('Assign', `state "${name}" Catch ${index} assigns variables`);
    });
  }

  // Distributed Map
  if (state.Type === 'Map') {
    const processor = isRecord(state.ItemProcessor) ? state.ItemProcessor : isRecord(state.Iterator) ? state.Iterator : undefined;
    const config = processor && isRecord(processor.ProcessorConfig) ? processor.ProcessorConfig : undefined;
    if (config?.Mode === 'DISTRIBUTED') add('Distributed Map', `Map "${name}" has ItemProcessor.ProcessorConfig.Mode DISTRIBUTED`);
    for (const field of DISTRIBUTED_FIELDS) {
      if (field in state) add('Distributed Map', `Map "${name}" uses ${field} (Distributed Map only)`);
    }
  }

  // Task tokens
  if (state.Type === 'Task' && typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken')) {
    add('Task token', `Task "${name}" waits for a task token (${state.Resource})`);
  } else if (strings(state).some((text) => text.includes('$$.Task.Token'))) {
    add('Task token', `state "${name}" reads $$.Task.Token`);
  }
}

function walk(definition: AslDefinition, path: string, findings: UnsupportedAslFinding[]): void {
  if (definition.QueryLanguage === 'JSONata') {
    findings.push({ feature: 'JSONata', location: path === 'States' ? '(top level)' : path.replace(/\.States$/, ''), detail: 'QueryLanguage: JSONata' });
  }
  for (const [name, state] of Object.entries(definition.States)) {
    const location = `${path}.${name}`;
    checkState(name, state, location, findings);
    for (const child of childDefinitions(state, location)) walk(child.definition, `${child.path}.States`, findings);
  }
}

/** Every unsupported use in a definition, in document order; empty when the runner can run it faithfully. */
export function findUnsupportedAsl(definition: unknown): UnsupportedAslFinding[] {
  const findings: UnsupportedAslFinding[] = [];
  walk(asAslDefinition(definition), 'States', findings);
  return findings;
}

/**
 * Throw an {@link UnsupportedAslError} listing every JSONata, Assign, Distributed Map and task-token use.
 * Called by `runStateMachine` before every run, and by the guard test on the synthesized stack.
 */
export function assertSupportedAsl(definition: unknown): void {
  const findings = findUnsupportedAsl(definition);
  if (findings.length > 0) throw new UnsupportedAslError(findings);
}
