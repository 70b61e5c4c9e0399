/**
 * Fault injection in the local AWS: the settings and counters of `local/moto_server.py`'s middleware, and the
 * calls that drive `/tablewarden/faults` on a running server. Faults exist so that tests and `npm start`
 * exercise the SDK's retries, the adapters' error stages and the seeder's UnprocessedItems loop the way AWS
 * throttling does, without an AWS account: one seed gives the same faults for the same request sequence.
 */

/** What an injected fault does: a throttling error, a 5xx server error, or a delay before the real answer. */
export type FaultKind = 'throttle' | '5xx' | 'latency';

/** Services faults apply to, by SigV4 signing name (`tagging` is the Resource Groups Tagging API). */
export type FaultService = 'dynamodb' | 'kms' | 'backup' | 'tagging';

/**
 * Fault settings, as `POST /tablewarden/faults` and `TABLEWARDEN_FAULTS` take them. Every request the filters
 * select takes one draw from a generator seeded with `seed`: below `rate` it gets a fault, of a kind the same
 * draw picks from `kinds`.
 */
export interface FaultConfig {
  /** Share of selected requests that get a fault, 0..1 (default 0: only `unprocessed` acts). */
  rate?: number;
  /** Seed of the generators; omitted, the server picks one and reports it in {@link FaultStats.config}. */
  seed?: number;
  /** Kinds to draw from, evenly (default all three). */
  kinds?: FaultKind[];
  /** Delay of a `latency` fault in ms, 0..60 000 (default 100). */
  latencyMs?: number;
  /** Only these services (default all four). */
  services?: FaultService[];
  /** Only these operations, by API name such as `UpdateTable` or `StartBackupJob` (default all). */
  operations?: string[];
  /**
   * Share of BatchWriteItem write requests left unwritten and returned in UnprocessedItems, and of BatchGetItem keys
   * left out of Responses and returned in UnprocessedKeys, 0..1 (default 0). Drawn per write request or requested key
   * from a second generator (one for both operations, in request order), so it does not shift the `rate` draws.
   * `operations` narrows it as it does `rate` (e.g. `['BatchGetItem']` for reads only).
   */
  unprocessed?: number;
}

/** The configuration as the server applied it: every default filled in, the seed it used. */
export interface AppliedFaultConfig {
  rate: number;
  seed: number;
  kinds: FaultKind[];
  latencyMs: number;
  services: FaultService[];
  operations: string[] | null;
  unprocessed: number;
}

/** `GET /tablewarden/faults`: the configuration in force and what it has done since it was set. */
export interface FaultStats {
  enabled: boolean;
  /** Null while faults are off. */
  config: AppliedFaultConfig | null;
  /** Requests the filters selected, each of which took one draw. */
  seen: number;
  /** Faults injected, by kind; `unprocessed` counts write requests returned unwritten and keys returned unread. */
  injected: Record<FaultKind | 'unprocessed', number>;
}

/** The path of the fault API on the local AWS endpoint. */
export const FAULTS_PATH = '/tablewarden/faults';

/** Environment variable that `local/moto_server.py` reads faults from at start. */
export const FAULTS_ENV = 'TABLEWARDEN_FAULTS';

async function call(endpoint: string, method: 'GET' | 'POST' | 'DELETE', config?: FaultConfig): Promise<FaultStats> {
  const response = await fetch(`${endpoint}${FAULTS_PATH}`, {
    method,
    ...(config === undefined ? {} : { body: JSON.stringify(config), headers: { 'content-type': 'application/json' } }),
  });
  const body = (await response.json()) as FaultStats | { message?: string };
  if (!response.ok) {
    const message = 'message' in body && body.message ? body.message : `HTTP ${response.status}`;
    throw new Error(`local AWS: ${method} ${FAULTS_PATH} failed: ${message}`);
  }
  return body as FaultStats;
}

/** Replaces the fault configuration; the generators and counters start over. Rejects an invalid one. */
export function setFaults(endpoint: string, config: FaultConfig): Promise<FaultStats> {
  return call(endpoint, 'POST', config);
}

/** Turns faults off; the counters stay readable until the next {@link setFaults}. */
export function clearFaults(endpoint: string): Promise<FaultStats> {
  return call(endpoint, 'DELETE');
}

/** The configuration in force and the counters. */
export function faultStats(endpoint: string): Promise<FaultStats> {
  return call(endpoint, 'GET');
}
