/**
 * Raw HTTP/1.1 over node:net, for tests that must send what no HTTP client would: request targets such as `//[`,
 * broken percent-encoding, invalid chunked bodies, or bytes dripped slowly (slowloris).
 */
import { connect, type Socket } from "node:net";

export interface RawAnswer {
  /** Status of the first response, if one arrived. */
  status?: number;
  /** The server closed (or reset) the connection. */
  closed: boolean;
  /** Nothing happened within timeoutMs: no answer and no close. */
  timedOut: boolean;
  /** Everything the server sent. */
  raw: string;
}

/** Opens a connection; resolves once it is established. */
export function openSocket(port: number, host = "127.0.0.1"): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/**
 * Sends `bytes` on a new connection, then half-closes it (so a truncated request ends instead of waiting for more),
 * and resolves with the first response's status as soon as its status line arrived, or when the server closes,
 * or after timeoutMs.
 */
export async function rawRequest(
  port: number,
  bytes: string | Buffer,
  opts: { timeoutMs?: number; halfClose?: boolean } = {},
): Promise<RawAnswer> {
  const socket = await openSocket(port);
  return new Promise((resolve) => {
    let raw = "";
    let settled = false;
    const finish = (closed: boolean, timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      resolve({ ...(m ? { status: Number(m[1]) } : {}), closed, timedOut, raw });
    };
    const timer = setTimeout(() => finish(false, true), opts.timeoutMs ?? 5_000);
    socket.on("data", (d: Buffer) => {
      raw += d.toString("latin1");
      if (/^HTTP\/1\.[01] \d{3}[^\r\n]*\r\n/.test(raw)) finish(false, false);
    });
    socket.on("error", () => finish(true, false));
    socket.on("close", () => finish(true, false));
    socket.write(bytes);
    if (opts.halfClose ?? true) socket.end();
  });
}

/**
 * Resolves when the socket is closed by the other side (or errors), with how long it took; with `giveUpMs`, -1
 * when it is still open that long after the call.
 */
export function closedWithin(socket: Socket, giveUpMs?: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(0);
    if (giveUpMs !== undefined) setTimeout(() => resolve(-1), giveUpMs).unref();
    socket.on("error", () => undefined);
    socket.once("close", () => resolve(performance.now() - started));
    // Read (and drop) what arrives: a paused socket may never see the server's FIN, and so never close.
    socket.resume();
  });
}
