/**
 * A "what is my IP" service for the rehearsal (`endpoints.ipEcho` of the starter config): answers the caller's
 * address as plain text, so that `init` and `doctor` check the Tokopedia IP whitelist the way they do on a server
 * with an echo service configured, without --egress-ip.
 */
import { createServer } from "node:http";
import { listenOnLoopback } from "../sim/listen-loopback.js";

export interface IpEcho {
  url: string;
  close(): Promise<void>;
}

export async function startIpEcho(port: number): Promise<IpEcho> {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end((req.socket.remoteAddress ?? "").replace(/^::ffff:/, ""));
  });
  const listening = await listenOnLoopback(server, port);
  return {
    url: `http://127.0.0.1:${listening}/ip`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
