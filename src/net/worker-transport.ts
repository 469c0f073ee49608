/**
 * Runs HTTP exchanges on one worker thread (http-worker.ts). Why: in the daemon, HTTP framing, sockets and
 * response parsing of the calls to Kommo and Tokopedia cost about as much main-thread CPU as the bridge's own
 * work; on a worker they use the machine's other core. The main thread only posts the call and gets the answer.
 *
 * Calls posted in the same turn of the event loop go in one message (and the worker batches its answers the
 * same way), so the cost per exchange on the main thread is a structured clone, not a thread wake-up.
 *
 * If the worker dies (it should not: it only runs undici), every exchange in flight rejects with a network-style
 * error (code UND_ERR_SOCKET: the request may or may not have reached the server, as for a reset connection),
 * which the clients treat as retryable; the next call starts a new worker.
 */
import { Worker } from "node:worker_threads";
import {
  type Exchange,
  type ExchangeAnswer,
  type ExchangeCall,
  READY,
  type WorkerAnswer,
  type WorkerCall,
} from "./exchange.js";

interface Pending {
  resolve: (a: ExchangeAnswer) => void;
  reject: (e: Error) => void;
}

export class WorkerExchange {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private outbox: WorkerCall[] = [];
  private closed = false;

  /**
   * `script`: the built http-worker.js (dist/); see defaultWorkerScript(). `onLost`: the worker died (not on
   * close()); called once per death with the reason and how many exchanges it failed, e.g. to log it.
   */
  constructor(
    private readonly script: URL,
    private readonly onLost?: (why: string, failedExchanges: number) => void,
  ) {}

  readonly exchange: Exchange = (call: ExchangeCall) =>
    new Promise<ExchangeAnswer>((resolve, reject) => {
      if (this.closed) {
        reject(workerError("the HTTP worker is closed (the daemon is stopping)"));
        return;
      }
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.outbox.push({ ...call, id });
      if (this.outbox.length === 1) queueMicrotask(() => this.flush());
    });

  private flush(): void {
    const calls = this.outbox;
    this.outbox = [];
    if (calls.length === 0) return;
    try {
      this.ensureWorker().postMessage(calls);
    } catch (err) {
      for (const c of calls)
        this.settle(c.id, workerError(`could not hand the call to the HTTP worker: ${err}`));
    }
  }

  /**
   * Starts the worker and resolves once it takes calls (the daemon awaits this before it serves, so the first
   * webhooks do not wait for a thread to boot). Rejects if the worker fails to start.
   */
  start(): Promise<void> {
    const worker = this.ensureWorker();
    return new Promise((resolve, reject) => {
      const onMessage = (m: unknown) => {
        if (m !== READY) return;
        done();
        resolve();
      };
      const onExit = (code: number) => {
        done();
        reject(new Error(`the HTTP worker exited while starting (code ${code})`));
      };
      const done = () => {
        worker.off("message", onMessage);
        worker.off("exit", onExit);
      };
      worker.on("message", onMessage);
      worker.on("exit", onExit);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // A small young generation: the worker's garbage is short-lived buffers, and the default sizing added ~5 MB
    // of RSS for no measurable speed (bench: 200 shops, 10k conversations, 106 MB vs 111 MB).
    const worker = new Worker(this.script, { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    worker.unref(); // in-flight exchanges keep their callers waiting, not the process alive
    worker.on("message", (answers: WorkerAnswer[] | typeof READY) => {
      if (answers === READY) return;
      for (const a of answers) {
        if ("error" in a) {
          const err = Object.assign(
            new Error(a.error.message),
            { name: a.error.name },
            a.error.code ? { code: a.error.code } : {},
          );
          this.settle(a.id, err);
        } else {
          this.settle(a.id, undefined, { status: a.status, headers: a.headers, text: a.text });
        }
      }
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const failed = [...this.pending.keys()];
      for (const id of failed) this.settle(id, workerError(why));
      try {
        this.onLost?.(why, failed.length);
      } catch {
        // reporting must not break the transport
      }
    };
    worker.on("error", (err) => lost(`the HTTP worker failed: ${err.message}`));
    worker.on("exit", (code) => lost(`the HTTP worker exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  private settle(id: number, err: Error | undefined, answer?: ExchangeAnswer): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (err) p.reject(err);
    else p.resolve(answer!);
  }

  /** Exchanges still waiting for their answer. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Stops the worker; exchanges still in flight reject (call after the job runner has stopped). */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined; // its exit is ours, not a failure to report as one
    if (worker) await worker.terminate();
    for (const id of [...this.pending.keys()]) this.settle(id, workerError("the HTTP worker was stopped"));
  }
}

function workerError(message: string): Error {
  return Object.assign(new Error(message), { name: "HttpWorkerError", code: "UND_ERR_SOCKET" });
}

/** dist/http-worker.js, next to the bundle's chunks (tsup builds it as its own entry). */
export function defaultWorkerScript(): URL {
  return new URL("./http-worker.js", import.meta.url);
}
