/**
 * Errors of the run layer, named as Step Functions Catch clauses see them (Lambda's errorType is the error name).
 */

/** An error with a given name. */
export function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** A run artefact that should exist does not (the run's own earlier step did not write it). */
export function missingArtefact(what: string, key: string): Error {
  return namedError('RunArtefactMissing', `${what} not found at ${key}`);
}
