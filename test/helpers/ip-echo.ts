import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A tiny "what is my IP" service on loopback: answers the caller's address as plain text. */
export async function startIpEcho(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end((req.socket.remoteAddress ?? "").replace(/^::ffff:/, ""));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ip`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
