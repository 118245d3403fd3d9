/**
 * What every ingest route does: authenticate the token, read the body within the limit, decode, pass through the
 * gate, write through the sink, and answer with a status and a sentence. Routes only choose the decoder and the
 * success response.
 */
import { getDatabase } from "@/db";
import { authenticateBearer, type TokenPrincipal } from "@/server/auth/tokens";
import { AppError, HTTP_STATUS } from "@/server/errors";
import { retentionFromEnv } from "@/server/jobs/retention";
import { configuredMetricsBackend } from "@/server/query/backend";
import { NewSeriesBudget, newSeriesLimitFromEnv } from "./cardinality";
import { IngestGate, isDatabaseUnavailable } from "./gate";
import { MAX_BODY_BYTES, readCappedBody } from "./limits";
import { OtlpDeltaAccumulator } from "./otlp";
import { type MetricsSink, sinkFor, type WriteResult } from "./sink";
import { type SourceStats, sourceStatsFor, tokenSource } from "./sources";
import { type DecodedBatch, IngestError, sampleCount } from "./types";

/** Seconds a sender should wait before retrying a 503. */
const RETRY_AFTER_SECONDS = 5;

interface IngestState {
  sink: MetricsSink;
  sources: SourceStats;
  newSeries: NewSeriesBudget;
  gate: IngestGate;
  deltas: OtlpDeltaAccumulator;
}

/** Samples older than raw retention are skipped: their day's partition is dropped or about to be. */
const RAW_RETENTION_MS = retentionFromEnv().rawMs;

const globalForIngest = globalThis as unknown as { flightdeckIngest?: Promise<IngestState> };

/** The process's sink, gate and OTLP delta state: one each, however many requests and routes. */
export function getIngestState(): Promise<IngestState> {
  globalForIngest.flightdeckIngest ??= getDatabase().then((database) => ({
    sink: sinkFor(database.db),
    sources: sourceStatsFor(database.db),
    newSeries: new NewSeriesBudget(newSeriesLimitFromEnv()),
    gate: new IngestGate(),
    deltas: new OtlpDeltaAccumulator(),
  }));
  return globalForIngest.flightdeckIngest;
}

/** Reads the body, refusing it as soon as it passes `MAX_BODY_BYTES` (and before reading, when Content-Length says so). */
export function readBody(request: Request): Promise<Uint8Array> {
  return readCappedBody(request, (declared) =>
    declared === null
      ? new IngestError(`The body is over the limit of ${MAX_BODY_BYTES} bytes (10 MiB). Send smaller batches.`, 413)
      : new IngestError(`The body is ${declared} bytes; the limit is ${MAX_BODY_BYTES} (10 MiB). Send smaller batches.`, 413),
  );
}

function text(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
}

export interface ReceiveOptions<T> {
  /** Turns the raw body into a batch (plus whatever the route needs for its answer); throws IngestError. */
  decode: (body: Uint8Array, state: IngestState) => T & { batch: DecodedBatch };
  /** The success response, from the decoded request and what was stored. */
  respond: (decoded: T & { batch: DecodedBatch }, written: WriteResult) => Response;
  /** The error response (OTLP answers in its own encoding); text/plain by default. */
  respondError?: (status: number, message: string, error: unknown) => Response;
}

export async function receive<T>(request: Request, options: ReceiveOptions<T>): Promise<Response> {
  const fail = (status: number, message: string, error: unknown, headers: Record<string, string> = {}) => {
    const response = options.respondError?.(status, message, error) ?? text(status, message);
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  };
  let principal: TokenPrincipal | undefined;
  let state: IngestState | undefined;
  // A refusal after the token is known is counted against it on Settings → Sources.
  const refused = (reason: string, message: string) => {
    if (principal && state) state.sources.recordRejected(tokenSource(principal.tokenId), Date.now(), reason, message);
  };
  try {
    const database = await getDatabase();
    principal = await authenticateBearer(database.db, request.headers.get("authorization"), "metrics:write");
    const engine = configuredMetricsBackend();
    if (engine) {
      // A 4xx: a sender pointed here by mistake should stop and say so, not retry forever.
      throw new AppError(
        "CONFLICT",
        `This Flightdeck reads metrics from the PromQL engine at ${engine.describe} (FLIGHTDECK_METRICS_BACKEND=promql) and stores none itself; send metrics to that engine.`,
      );
    }
    state = await getIngestState();
    const decoded = options.decode(await readBody(request), state);
    const samples = sampleCount(decoded.batch);
    const leave = state.gate.tryEnter(samples);
    if (!leave) {
      const message = `Flightdeck is busy writing other batches; retry after ${RETRY_AFTER_SECONDS} s.`;
      refused("busy", message);
      return fail(503, message, null, { "retry-after": String(RETRY_AFTER_SECONDS) });
    }
    try {
      const nowMs = Date.now();
      const sender = principal;
      const budget = state.newSeries;
      const written = await state.sink.write(decoded.batch, {
        nowMs,
        rawRetentionMs: RAW_RETENTION_MS,
        admitNewSeries: (count) => budget.take(`token:${sender.tokenId}`, `The API token "${sender.name}"`, count, nowMs),
      });
      state.sources.recordWrite(tokenSource(principal.tokenId), nowMs, written, decoded.batch.skipped);
      return options.respond(decoded, written);
    } finally {
      leave();
    }
  } catch (error) {
    if (error instanceof IngestError) {
      const reason = { 413: "too_large", 415: "unsupported_type", 429: "cardinality_limit" }[error.status as 413 | 415 | 429] ?? "malformed";
      refused(reason, error.message);
      // Over the new-series budget: the next minute brings a new one.
      return fail(error.status, error.message, error, error.status === 429 ? { "retry-after": "60" } : {});
    }
    if (error instanceof AppError) return fail(HTTP_STATUS[error.code], error.message, error);
    if (isDatabaseUnavailable(error)) {
      refused("database_unavailable", "The database was unavailable; nothing was stored.");
      return fail(503, `The database is unavailable; nothing was stored. Retry after ${RETRY_AFTER_SECONDS} s.`, error, {
        "retry-after": String(RETRY_AFTER_SECONDS),
      });
    }
    console.error(`ingest from ${principal?.name ?? "unauthenticated sender"} failed:`, error);
    return fail(500, "Internal error; nothing was stored. The server log has the details.", error);
  }
}

/** A short JSON account of what a request stored and skipped, for senders that read answers (curl, scripts). */
export function writeSummary(written: WriteResult, extra: Record<string, unknown> = {}) {
  return {
    samples: written.samplesWritten,
    series: written.seriesTouched,
    staleMarkers: written.staleMarkersWritten,
    skipped: written.skipped,
    ...extra,
  };
}
