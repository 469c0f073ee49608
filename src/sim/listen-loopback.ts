import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Listens on 127.0.0.1: `port` 0 (the default everywhere) takes any free port, a fixed one is what
 * `tokokommo sandbox --serve --port-base` asks for. Rejects (instead of crashing on an unhandled 'error' event)
 * when the port is taken. Resolves with the port listened on.
 */
export function listenOnLoopback(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
