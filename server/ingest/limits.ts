/** Limits every ingest path enforces; each breach is refused with a sentence naming the limit, and nothing is written. */

/** Largest request body accepted on the wire (413 above). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Largest decompressed payload (snappy or gzip), checked from the header or while inflating, before allocating. */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
export const MAX_LABELS_PER_SERIES = 64;
export const MAX_LABEL_NAME_BYTES = 1024;
export const MAX_LABEL_VALUE_BYTES = 4096;
/** Samples stamped further ahead than this are skipped and counted, not stored. */
export const MAX_FUTURE_SKEW_MS = 10 * 60 * 1000;
