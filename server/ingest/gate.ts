/**
 * Bounded in-flight ingest work. Past the bound a request is answered 503 with Retry-After, which Prometheus and
 * OpenTelemetry exporters retry with backoff; queueing instead would only grow memory until the process dies.
 */
export class IngestGate {
  private inFlightRequests = 0;
  private inFlightSamples = 0;

  constructor(
    /** 8 concurrent writes keep a 10-connection pool busy without starving page queries. */
    private readonly maxRequests = 8,
    /** ~4M decoded samples held at once: about 400 MB of JS objects at ~100 bytes each. */
    private readonly maxSamples = 4_000_000,
  ) {}

  tryEnter(samples: number): (() => void) | null {
    if (this.inFlightRequests >= this.maxRequests) return null;
    if (this.inFlightRequests > 0 && this.inFlightSamples + samples > this.maxSamples) return null;
    this.inFlightRequests++;
    this.inFlightSamples += samples;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlightRequests--;
      this.inFlightSamples -= samples;
    };
  }
}

/** Errors that mean the database cannot be reached right now (restart, network), as opposed to a bad statement. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return (
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"].includes(code) ||
    code.startsWith("08") || // connection exceptions
    code === "57P01" || // admin shutdown
    code === "57P02" || // crash shutdown
    code === "57P03" // cannot connect now (starting up)
  );
}
