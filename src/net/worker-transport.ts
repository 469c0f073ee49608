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
 * which the clients treat as retryable; the next call starts a new worker. A watchdog covers a worker that is alive
 * but stuck: each call carries its own timeout, enforced inside the worker; a call still unanswered `graceMs`
 * after it means the worker no longer runs its timers, so it is stopped and replaced the same way. Without this a
 * stuck worker would hold its jobs forever (the job runner keeps renewing the leases of running jobs).
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
  /**
   * When the worker should have answered at the latest (its own timeout), on the monotonic clock: a wall-clock
   * step must not make the watchdog replace a healthy worker.
   */
  deadline: number;
}

export interface WorkerExchangeOptions {
  /** The worker died (not on close()): the reason and how many exchanges it failed, e.g. to log it. */
  onLost?: (why: string, failedExchanges: number) => void;
  /** How long past a call's own timeout the watchdog waits before it replaces the worker (default 5 s). */
  graceMs?: number;
}

export class WorkerExchange {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private outbox: WorkerCall[] = [];
  private closed = false;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly graceMs: number;

  /** `script`: the built http-worker.js (dist/); see defaultWorkerScript(). */
  constructor(
    private readonly script: URL,
    private readonly opts: WorkerExchangeOptions = {},
  ) {
    this.graceMs = opts.graceMs ?? 5_000;
  }

  readonly exchange: Exchange = (call: ExchangeCall) =>
    new Promise<ExchangeAnswer>((resolve, reject) => {
      if (this.closed) {
        reject(workerError("the HTTP worker is closed (the daemon is stopping)"));
        return;
      }
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject, deadline: performance.now() + call.timeoutMs });
      this.outbox.push({ ...call, id });
      if (this.outbox.length === 1) queueMicrotask(() => this.flush());
      this.watch();
    });

  /** One timer for all calls (not one per call): checks every second while calls are in flight. */
  private watch(): void {
    if (this.watchdog) return;
    this.watchdog = setInterval(
      () => {
        if (this.pending.size === 0) {
          clearInterval(this.watchdog);
          this.watchdog = undefined;
          return;
        }
        const now = performance.now();
        let overdue = 0;
        for (const p of this.pending.values()) if (now > p.deadline + this.graceMs) overdue++;
        const worker = this.worker;
        if (overdue > 0 && worker) {
          this.lose(
            worker,
            `the HTTP worker left ${overdue} call(s) unanswered past their timeout; it was replaced`,
          );
          void worker.terminate();
        }
      },
      Math.min(1_000, this.graceMs),
    );
    this.watchdog.unref();
  }

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
    worker.on("error", (err) => this.lose(worker, `the HTTP worker failed: ${err.message}`));
    worker.on("exit", (code) => this.lose(worker, `the HTTP worker exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  /** `worker` is gone (or being replaced): fail what it had in flight, once, and report it. */
  private lose(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const failed = [...this.pending.keys()];
    for (const id of failed) this.settle(id, workerError(why));
    try {
      this.opts.onLost?.(why, failed.length);
    } catch {
      // reporting must not break the transport
    }
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
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
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
