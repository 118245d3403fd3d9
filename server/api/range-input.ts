import { z } from "zod";
import { parseTimeRange } from "@/server/query/range";

/** A page's URL range as it stands (`range=24h`, or `from`/`to`); the server resolves it with its own clock. */
export const RangeInput = z.object({
  range: z.string().max(20).optional(),
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  /** A finer or coarser step asked for by zooming; the server raises it to its floor. */
  stepMs: z.number().int().positive().max(30 * 24 * 3600_000).optional(),
});

export function resolveRange(input: z.infer<typeof RangeInput>) {
  const nowMs = Date.now();
  const { range, error } = parseTimeRange(input, nowMs);
  return { startMs: range.startMs, endMs: range.endMs, nowMs, requestedStepMs: input.stepMs, rangeError: error };
}
