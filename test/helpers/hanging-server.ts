import type { AddressInfo } from "node:net";
import { createServer, type Socket } from "node:net";

/**
 * A host that hangs: a loopback TCP server that accepts every connection and never answers a byte, as a
 * platform behind a black-holing firewall or an overloaded proxy does. `open` counts the connections it holds.
 */
export interface HangingServer {
  url: string;
  /** Connections accepted and still held open. */
  open(): number;
  /** Connections accepted since the start. */
  accepted(): number;
  close(): Promise<void>;
}

export async function startHangingServer(): Promise<HangingServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open: () => sockets.size,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A loopback address where nothing listens (connections are refused at once). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}
