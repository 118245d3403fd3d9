import { decodeRemoteWrite } from "@/server/ingest/remote-write";
import { receive } from "@/server/ingest/receive";

export const dynamic = "force-dynamic";

/** Prometheus remote_write 1.0 (snappy block + protobuf WriteRequest); 204 once committed, as Prometheus answers. */
export function POST(request: Request) {
  return receive(request, {
    decode: (body) => ({ batch: decodeRemoteWrite(body) }),
    respond: () => new Response(null, { status: 204 }),
  });
}
