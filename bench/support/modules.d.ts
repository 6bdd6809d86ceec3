/**
 * Just enough typing for the bench's untyped dev dependencies (autocannon 9,
 * oidc-provider 9 ship no declarations and @types/* are not installed).
 */
declare module 'autocannon' {
  export interface Histogram {
    readonly average: number;
    readonly mean: number;
    readonly max: number;
    readonly p50: number;
    readonly p97_5: number;
    readonly p99: number;
    readonly totalCount?: number;
    readonly total?: number;
  }
  export interface Result {
    readonly duration: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly resets: number;
    readonly '2xx': number;
    readonly statusCodeStats: Record<string, { count: number }>;
    readonly latency: Histogram;
    readonly requests: Histogram & { readonly sent: number };
  }
  export interface RequestIterator {
    context: Record<string, unknown>;
    resetContext(): void;
    rebuildRequest(): unknown;
  }
  export interface Client {
    readonly requestIterator: RequestIterator;
  }
  export interface RequestSpec {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (req: RequestSpec, context: Record<string, unknown>) => RequestSpec;
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
  }
  export interface Options {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    timeout?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: RequestSpec[];
    setupClient?: (client: Client) => void;
  }
  /** A run: awaitable for its result, and an emitter of every response (ms since its request was sent). */
  export interface Instance extends Promise<Result> {
    on(
      event: 'response',
      listener: (client: Client, statusCode: number, resBytes: number, responseTime: number) => void,
    ): this;
  }
  function autocannon(options: Options): Instance;
  export default autocannon;
}

declare module 'oidc-provider' {
  // The bench drives oidc-provider through a handful of calls; their shapes are checked at run time.
  // biome-ignore lint/suspicious/noExplicitAny: untyped third-party module, used by the bench only
  const Provider: any;
  export default Provider;
}

declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  // biome-ignore lint/suspicious/noExplicitAny: untyped third-party module, used by the bench only
  const MemoryAdapter: any;
  export default MemoryAdapter;
}

declare module 'oidc-provider/lib/helpers/lru.js' {
  // biome-ignore lint/suspicious/noExplicitAny: untyped third-party module, used by the bench only
  const LRU: any;
  export default LRU;
}
