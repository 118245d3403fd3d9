import net from "node:net";
import postgres from "postgres";

/** What postgres.js hands its `socket` option: the parsed connection options. */
interface SocketTarget {
  host: string[];
  port: number[];
  path?: string | false;
  /** Seconds, as postgres.js' own `connect_timeout` (30 by default). */
  connect_timeout?: number;
}

/**
 * postgres.js connects with Nagle's algorithm on, so a message written right after another small one (a COPY's
 * CopyDone after its data, a Sync after an Execute) waits for the server's delayed ACK: ~40 ms a round trip on
 * Linux. This opens the connection with TCP_NODELAY instead: a small COPY went from 88 ms to 1.4 ms. Hosts are
 * tried in order, as postgres.js does; a Unix socket path, when given, is used instead.
 */
function connectNoDelay(target: SocketTarget): Promise<net.Socket> {
  const timeoutMs = (target.connect_timeout ?? 30) * 1000;
  if (target.path) return open({ path: target.path }, timeoutMs);
  const attempt = async (i: number): Promise<net.Socket> => {
    try {
      return await open({ host: target.host[i]!, port: target.port[i] ?? target.port[0] ?? 5432, noDelay: true }, timeoutMs);
    } catch (error) {
      if (i + 1 < target.host.length) return attempt(i + 1);
      throw error;
    }
  };
  return attempt(0);
}

function open(options: net.NetConnectOpts, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(options);
    const failed = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const where = "path" in options ? options.path : `${options.host}:${options.port}`;
    const timer = setTimeout(
      () => failed(Object.assign(new Error(`connecting to ${where} timed out after ${timeoutMs / 1000} s`), { code: "CONNECT_TIMEOUT" })),
      timeoutMs,
    );
    socket.once("error", failed);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", failed);
      resolve(socket);
    });
  });
}

/**
 * A postgres.js client whose connections use TCP_NODELAY (`connectNoDelay`), notices silenced. `socket` is a
 * documented postgres.js option that its types leave out, hence the cast.
 */
export function connectPostgres(url: string, options: postgres.Options<Record<string, never>> = {}): postgres.Sql {
  return postgres(url, { onnotice: () => {}, ...options, socket: connectNoDelay } as postgres.Options<Record<string, never>>);
}
