/**
 * The HTTP worker thread (see worker-transport.ts): performs the exchanges the main thread hands it (directExchange,
 * undici) and posts back the status, headers and body text, or the error's name and code. Nothing else: no
 * retries, no error mapping, no secrets kept; the main thread owns all of that.
 */
import { parentPort } from "node:worker_threads";
import { directExchange, READY, type WorkerAnswer, type WorkerCall } from "./exchange.js";

if (!parentPort) throw new Error("http-worker must run as a worker thread");
const port = parentPort;

port.on("message", (calls: WorkerCall[]) => {
  for (const call of calls) void run(call);
});
port.postMessage(READY);

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

// Answers finished in the same turn go back in one message: one wake-up of the main thread for many exchanges.
let outbox: WorkerAnswer[] = [];
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
