/**
 * Amazon States Language (ASL) shapes and a walker over every state, nested Map and Parallel states included.
 * Shared by the extractor, the guard and the runner so they agree on what "every state" means.
 * Spec: https://states-language.net/spec.html
 */

/** One state of an ASL definition. Only `Type` is common to all; the rest depends on the type. */
export interface AslState {
  Type: string;
  [field: string]: unknown;
}

/** A state machine definition (or the sub-definition inside a Map's ItemProcessor or a Parallel branch). */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  QueryLanguage?: string;
  TimeoutSeconds?: number;
  Comment?: string;
  [field: string]: unknown;
}

/** A state found by {@link forEachState}, with where it sits (for error messages a reader can follow). */
export interface VisitedState {
  name: string;
  state: AslState;
  /** A readable location such as `States.Fan out.ItemProcessor.States.Plan batch`. */
  path: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Narrow an unknown value to an ASL definition (StartAt + States), or say why it is not one. */
export function asAslDefinition(value: unknown, what = 'definition'): AslDefinition {
  if (!isRecord(value) || typeof value.StartAt !== 'string' || !isRecord(value.States)) {
    throw new TypeError(`${what} is not an ASL state machine definition (needs StartAt and States)`);
  }
  return value as AslDefinition;
}

/**
 * The sub-definitions a state runs: a Map's `ItemProcessor` (or legacy `Iterator`), each Parallel branch.
 * Why exported: the guard and the runner must descend exactly the same way.
 */
export function childDefinitions(state: AslState, path: string): Array<{ definition: AslDefinition; path: string }> {
  const children: Array<{ definition: AslDefinition; path: string }> = [];
  if (state.Type === 'Map') {
    for (const field of ['ItemProcessor', 'Iterator'] as const) {
      const sub = state[field];
      if (isRecord(sub) && isRecord(sub.States)) children.push({ definition: sub as AslDefinition, path: `${path}.${field}` });
    }
  }
  if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
    state.Branches.forEach((branch, index) => {
      if (isRecord(branch) && isRecord(branch.States)) children.push({ definition: branch as AslDefinition, path: `${path}.Branches[${index}]` });
    });
  }
  return children;
}

/**
 * Visit every state of a definition, depth first, including states nested in Map and Parallel states.
 * Step Functions requires state names to be unique across the whole machine, which is what lets the runner
 * address nested states by name.
 */
export function forEachState(definition: AslDefinition, visit: (visited: VisitedState) => void, path = 'States'): void {
  for (const [name, state] of Object.entries(definition.States)) {
    const statePath = `${path}.${name}`;
    visit({ name, state, path: statePath });
    for (const child of childDefinitions(state, statePath)) forEachState(child.definition, visit, `${child.path}.States`);
  }
}

/** Every state, flattened; see {@link forEachState}. */
export function allStates(definition: AslDefinition): VisitedState[] {
  const states: VisitedState[] = [];
  forEachState(definition, (visited) => states.push(visited));
  return states;
}
