/**
 * Builds real remote_write 1.0 bodies (protobuf `prometheus.WriteRequest`, then snappy block) for tests and
 * benchmarks, field numbers as in FORMATS.md §3.1. Zero values are left out, as Go's proto3 marshalling does, so
 * the decoder meets the defaults it must fill in.
 */
import { Writer } from "protobufjs/minimal.js";
import { compressSnappyBlock } from "./snappy-block";
import type { MetricMetadata } from "./types";

/** Prometheus' staleness marker `value.StaleNaN`, 0x7ff0000000000002, as its high and low 32-bit words. */
export const STALE_NAN_HIGH = 0x7ff00000;
export const STALE_NAN_LOW = 0x00000002;

export interface RemoteWriteLabel {
  name: string;
  value: string;
}

export interface RemoteWriteSample {
  value: number;
  timestampMs: number;
  /** Writes the staleness marker's exact bits instead of `value`: a JS NaN can't be trusted to keep its payload. */
  stale?: boolean;
}

export interface RemoteWriteExemplar {
  labels: RemoteWriteLabel[];
  value: number;
  timestampMs: number;
}

/** The integer-count native histogram fields Prometheus sends for a positive-only distribution. */
export interface RemoteWriteHistogram {
  count: number;
  sum: number;
  schema: number;
  zeroThreshold?: number;
  zeroCount?: number;
  positiveSpans?: { offset: number; length: number }[];
  positiveDeltas?: number[];
  timestampMs: number;
}

export interface RemoteWriteTimeSeries {
  labels: RemoteWriteLabel[];
  samples?: RemoteWriteSample[];
  exemplars?: RemoteWriteExemplar[];
  histograms?: RemoteWriteHistogram[];
}

export interface RemoteWriteMetadata {
  type: MetricMetadata["type"];
  metricFamilyName: string;
  help?: string;
  unit?: string;
}

export interface RemoteWriteRequest {
  timeseries?: RemoteWriteTimeSeries[];
  metadata?: RemoteWriteMetadata[];
}

const METADATA_TYPE_NUMBERS: Record<MetricMetadata["type"], number> = {
  unknown: 0,
  counter: 1,
  gauge: 2,
  histogram: 3,
  gaugehistogram: 4,
  summary: 5,
  info: 6,
  stateset: 7,
};

/** A remote_write body as a sender posts it: protobuf, snappy block compressed. */
export function encodeRemoteWrite(request: RemoteWriteRequest): Uint8Array {
  return compressSnappyBlock(encodeWriteRequest(request));
}

/** The protobuf `WriteRequest` alone, before snappy. */
export function encodeWriteRequest(request: RemoteWriteRequest): Uint8Array {
  const w = Writer.create();
  for (const series of request.timeseries ?? []) {
    w.uint32((1 << 3) | 2).fork();
    writeLabels(w, 1, series.labels);
    for (const sample of series.samples ?? []) {
      w.uint32((2 << 3) | 2).fork();
      if (sample.stale) w.uint32((1 << 3) | 1).fixed32(STALE_NAN_LOW).fixed32(STALE_NAN_HIGH);
      else if (!Object.is(sample.value, 0)) w.uint32((1 << 3) | 1).double(sample.value);
      if (sample.timestampMs !== 0) w.uint32((2 << 3) | 0).int64(sample.timestampMs);
      w.ldelim();
    }
    for (const exemplar of series.exemplars ?? []) {
      w.uint32((3 << 3) | 2).fork();
      writeLabels(w, 1, exemplar.labels);
      w.uint32((2 << 3) | 1).double(exemplar.value);
      w.uint32((3 << 3) | 0).int64(exemplar.timestampMs);
      w.ldelim();
    }
    for (const histogram of series.histograms ?? []) writeHistogram(w, histogram);
    w.ldelim();
  }
  for (const metadata of request.metadata ?? []) {
    w.uint32((3 << 3) | 2).fork();
    w.uint32((1 << 3) | 0).uint32(METADATA_TYPE_NUMBERS[metadata.type]);
    w.uint32((2 << 3) | 2).string(metadata.metricFamilyName);
    if (metadata.help) w.uint32((4 << 3) | 2).string(metadata.help);
    if (metadata.unit) w.uint32((5 << 3) | 2).string(metadata.unit);
    w.ldelim();
  }
  return w.finish();
}

function writeLabels(w: Writer, field: number, labels: RemoteWriteLabel[]): void {
  for (const label of labels) {
    w.uint32((field << 3) | 2).fork();
    w.uint32((1 << 3) | 2).string(label.name);
    w.uint32((2 << 3) | 2).string(label.value);
    w.ldelim();
  }
}

function writeHistogram(w: Writer, histogram: RemoteWriteHistogram): void {
  w.uint32((4 << 3) | 2).fork();
  w.uint32((1 << 3) | 0).uint64(histogram.count);
  w.uint32((3 << 3) | 1).double(histogram.sum);
  w.uint32((4 << 3) | 0).sint32(histogram.schema);
  if (histogram.zeroThreshold) w.uint32((5 << 3) | 1).double(histogram.zeroThreshold);
  if (histogram.zeroCount) w.uint32((6 << 3) | 0).uint64(histogram.zeroCount);
  for (const span of histogram.positiveSpans ?? []) {
    w.uint32((11 << 3) | 2).fork().uint32((1 << 3) | 0).sint32(span.offset).uint32((2 << 3) | 0).uint32(span.length);
    w.ldelim();
  }
  if (histogram.positiveDeltas?.length) {
    w.uint32((12 << 3) | 2).fork();
    for (const delta of histogram.positiveDeltas) w.sint64(delta);
    w.ldelim();
  }
  w.uint32((15 << 3) | 0).int64(histogram.timestampMs);
  w.ldelim();
}
