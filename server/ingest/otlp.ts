/**
 * OTLP/HTTP metrics (`POST /v1/metrics`): body → `DecodedBatch`, plus the OTLP partial-success counts, and the
 * response bodies the spec asks for. Protobuf and JSON share one model (`otlp-model.ts`) and one conversion
 * (`otlp-convert.ts`), so the two encodings of a request give the same batch.
 */
import { gunzipSync } from "node:zlib";
import { Writer } from "protobufjs/minimal.js";
import { MAX_BODY_BYTES, MAX_DECOMPRESSED_BYTES } from "./limits";
import { convertOtlpRequest, type OtlpDecoded } from "./otlp-convert";
import { OtlpDeltaAccumulator } from "./otlp-delta";
import { decodeOtlpJson } from "./otlp-json";
import { decodeOtlpProtobuf } from "./otlp-protobuf";
import { IngestError } from "./types";

export { OtlpDeltaAccumulator, type OtlpDecoded };
export { otlpLabelName, otlpMetricName, otlpUnitName } from "./otlp-names";

export type OtlpEncoding = "protobuf" | "json";

/** Which OTLP encoding a Content-Type names (matched loosely: `application/x-protobuf; charset=…` counts). */
export function otlpEncodingOf(contentType: string | null | undefined): OtlpEncoding | undefined {
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("application/x-protobuf") || type.includes("application/protobuf")) return "protobuf";
  if (type.includes("application/json")) return "json";
  return undefined;
}

function inflate(body: Uint8Array, contentEncoding: string | null | undefined): Uint8Array {
  const encoding = (contentEncoding ?? "").trim().toLowerCase();
  if (encoding === "" || encoding === "identity") return body;
  if (encoding !== "gzip" && encoding !== "x-gzip") {
    const named = JSON.stringify(contentEncoding);
    throw new IngestError(`Content-Encoding ${named} is not supported; send gzip or none`, 415);
  }
  try {
    // maxOutputLength makes zlib stop and throw as soon as the output passes the limit, so a gzip bomb costs at
    // most MAX_DECOMPRESSED_BYTES of memory, never its full inflated size.
    return gunzipSync(body, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new IngestError(
        `gzip body inflates past MAX_DECOMPRESSED_BYTES (${MAX_DECOMPRESSED_BYTES / 2 ** 20} MiB); ` +
          "send smaller requests",
        413,
      );
    }
    throw new IngestError(`gzip body could not be inflated: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Decodes one `ExportMetricsServiceRequest`. Throws `IngestError` (400 malformed, 413 over a limit, 415 unknown
 * Content-Type or Content-Encoding) when the request as a whole can't be read; otherwise returns the batch of
 * everything storable, with the data points refused one by one counted in `rejectedDataPoints`.
 *
 * DELTA sums and histograms become cumulative through `deltas`, which must live as long as the process (the
 * route keeps one); without it their points are rejected, as Prometheus does without delta support.
 */
export function decodeOtlpMetrics(
  body: Uint8Array,
  opts: { contentType: string; contentEncoding?: string | null },
  deltas?: OtlpDeltaAccumulator,
): OtlpDecoded {
  const encoding = otlpEncodingOf(opts.contentType);
  if (encoding === undefined) {
    throw new IngestError(
      `Content-Type ${JSON.stringify(opts.contentType)} is not OTLP; send application/x-protobuf or application/json`,
      415,
    );
  }
  if (body.byteLength > MAX_BODY_BYTES) {
    throw new IngestError(`body of ${body.byteLength} bytes exceeds MAX_BODY_BYTES (${MAX_BODY_BYTES})`, 413);
  }
  const bytes = inflate(body, opts.contentEncoding);
  const request = encoding === "protobuf" ? decodeOtlpProtobuf(bytes) : decodeOtlpJson(bytes);
  return convertOtlpRequest(request, deltas);
}

/**
 * The `ExportMetricsServiceResponse` for a decoded request, in the request's encoding. `partial_success` is set
 * only when something was rejected or there is a warning; full success is an empty message.
 */
export function encodeOtlpExportResponse(
  result: Pick<OtlpDecoded, "rejectedDataPoints" | "errorMessage">,
  encoding: OtlpEncoding,
): { body: Uint8Array | string; contentType: string } {
  const partial = result.rejectedDataPoints > 0 || result.errorMessage !== "";
  if (encoding === "json") {
    const body = partial
      ? { partialSuccess: { rejectedDataPoints: String(result.rejectedDataPoints), errorMessage: result.errorMessage } }
      : {};
    return { body: JSON.stringify(body), contentType: "application/json" };
  }
  const w = Writer.create();
  if (partial) {
    w.uint32((1 << 3) | 2).fork();
    if (result.rejectedDataPoints > 0) w.uint32((1 << 3) | 0).int64(result.rejectedDataPoints);
    if (result.errorMessage !== "") w.uint32((2 << 3) | 2).string(result.errorMessage);
    w.ldelim();
  }
  return { body: w.finish(), contentType: "application/x-protobuf" };
}

/**
 * The gRPC code a `google.rpc.Status` carries for an HTTP status (the usual HTTP↔gRPC mapping); anything else is
 * UNKNOWN (2).
 */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 413: 8, 415: 3, 429: 8, 500: 13, 503: 14 };

/**
 * The `google.rpc.Status` body OTLP/HTTP answers a failure with: the request's encoding, JSON when unknown.
 * `httpStatus` overrides the error's own status, for failures that are not an `IngestError` (503, 500).
 */
export function encodeOtlpErrorStatus(
  error: IngestError,
  encoding: OtlpEncoding | undefined,
  httpStatus: number = error.status,
): { body: Uint8Array | string; contentType: string } {
  const code = GRPC_CODE[httpStatus] ?? 2;
  if (encoding !== "protobuf") {
    return { body: JSON.stringify({ code, message: error.message }), contentType: "application/json" };
  }
  const w = Writer.create();
  w.uint32((1 << 3) | 0).int32(code);
  w.uint32((2 << 3) | 2).string(error.message);
  return { body: w.finish(), contentType: "application/x-protobuf" };
}
