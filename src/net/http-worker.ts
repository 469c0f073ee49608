/**
 * The HTTP worker thread (see worker-transport.ts): performs the exchanges the main thread hands it (directExchange,
 * undici) and posts back the status, headers and body text, or the error's name and code. Nothing else: no
 * retries, no error mapping, no secrets kept; the main thread owns all of that.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parentPort } from "node:worker_threads";
import { directExchange, READY, type WorkerAnswer, type WorkerCall } from "./exchange.js";

if (!parentPort) throw new Error("http-worker must run as a worker thread");
const port = parentPort;
// Answers finished in the same turn go back in one message: one wake-up of the main thread for many exchanges.
let outbox: WorkerAnswer[] = [];

port.on("message", (calls: WorkerCall[]) => {
  for (const call of calls) void run(call);
});
await warmUp();
port.postMessage(READY);

/**
 * One exchange with a throwaway loopback server before reporting ready: undici compiles its HTTP parser on the
 * first connection (~100 ms on a small VM), which would otherwise land on the first buyer message after a start.
 * Best effort: if it fails, the first real call pays instead.
 */
async function warmUp(): Promise<void> {
  const server = createServer((_req, res) => res.end("ok"));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    const { port: local } = server.address() as AddressInfo;
    await directExchange({ method: "GET", url: `http://127.0.0.1:${local}/`, headers: {}, timeoutMs: 2_000 });
  } catch {
    // no loopback here: nothing lost but the head start
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

async function run(call: WorkerCall): Promise<void> {
  let answer: WorkerAnswer;
  try {
    answer = { id: call.id, ...(await directExchange(call)) };
  } catch (err) {
    const e = err as { name?: unknown; code?: unknown; message?: unknown };
    answer = {
      id: call.id,
      error: {
        name: typeof e?.name === "string" ? e.name : "Error",
        ...(typeof e?.code === "string" ? { code: e.code } : {}),
        message: typeof e?.message === "string" ? e.message : String(err),
      },
    };
  }
  post(answer);
}

function post(answer: WorkerAnswer): void {
  outbox.push(answer);
  if (outbox.length === 1) {
    setImmediate(() => {
      const batch = outbox;
      outbox = [];
      port.postMessage(batch);
    });
  }
}
