/**
 * Small async helpers for the adapters: page through list APIs and bound concurrency.
 *
 * Why our own pagination loop instead of the SDK's `paginate*` helpers: those reuse and mutate one input object
 * across pages, so tests that inspect the commands sent see only the last token. Building a fresh input per page
 * keeps every request exactly as it was sent. Retries stay with the SDK.
 */

/**
 * Collects every page of a token-paginated list API.
 *
 * @param fetchPage fetches one page given the token from the previous page (undefined for the first)
 * @param nextToken extracts the next token; an empty string or a repeated token ends the loop (real AWS answers
 *   `PaginationToken: ""` on the last page of tag:GetResources)
 */
export async function collectPages<Page>(
  fetchPage: (token: string | undefined) => Promise<Page>,
  nextToken: (page: Page) => string | undefined,
): Promise<Page[]> {
  const pages: Page[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await fetchPage(token);
    pages.push(page);
    const next = nextToken(page);
    if (next === undefined || next === '' || next === token) return pages;
    token = next;
  }
}

/**
 * Maps over `items` with at most `limit` promises in flight, preserving order.
 *
 * Why: DynamoDB allows 500 concurrent control-plane operations per account and throttles Describe* bursts; a
 * fixed pool keeps a large account from tripping the SDK's adaptive rate limiter for every other caller.
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(Math.floor(limit), items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * A concurrency limiter shared by several producers: at most `limit` tasks run at once, started in FIFO order.
 *
 * Why besides {@link mapWithConcurrency}: some work is only known later (unmanaged tables are known once
 * ListTables returns) and must share the same budget as the work started first.
 */
export function createLimiter(limit: number): <R>(task: () => Promise<R>) => Promise<R> {
  const max = Math.max(1, Math.floor(limit));
  let active = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    active -= 1;
    queue.shift()?.();
  };
  return <R>(task: () => Promise<R>) =>
    new Promise<R>((resolve, reject) => {
      const start = () => {
        active += 1;
        task().then(resolve, reject).finally(release);
      };
      if (active < max) start();
      else queue.push(start);
    });
}

/** Memoises an async function by key, so each distinct key is fetched once per run even under concurrency. */
export function memoiseAsync<R>(fn: (key: string) => Promise<R>): (key: string) => Promise<R> {
  const cache = new Map<string, Promise<R>>();
  return (key) => {
    let pending = cache.get(key);
    if (pending === undefined) {
      pending = fn(key);
      cache.set(key, pending);
    }
    return pending;
  };
}

/** The error's name and message, in one line, for reports. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** The AWS error name (SDK exceptions carry the service's error code as `name`). */
export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : undefined;
}
