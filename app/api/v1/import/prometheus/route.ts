import { decodePrometheusText } from "@/server/ingest/prom-text";
import { parseExtraLabels } from "@/server/ingest/query-labels";
import { receive, writeSummary } from "@/server/ingest/receive";
import { IngestError } from "@/server/ingest/types";

export const dynamic = "force-dynamic";

/** A pushed Prometheus text page (0.0.4 or OpenMetrics 1.0); `?extra_label=name=value` adds labels to every series. */
export function POST(request: Request) {
  const url = new URL(request.url);
  const contentType = request.headers.get("content-type") ?? "";
  return receive(request, {
    decode: (body) => {
      let page: string;
      try {
        page = new TextDecoder("utf-8", { fatal: true }).decode(body);
      } catch {
        throw new IngestError("The body is not valid UTF-8 text.");
      }
      const extraLabels = parseExtraLabels(url.searchParams.getAll("extra_label"));
      const openMetrics = contentType.includes("application/openmetrics-text") ? true : contentType.includes("text/plain") ? false : undefined;
      return { batch: decodePrometheusText(page, { nowMs: Date.now(), extraLabels, openMetrics }) };
    },
    respond: (_decoded, written) => Response.json(writeSummary(written)),
  });
}
