/**
 * A load balancer in front of `serve` replicas, for replica tests: one loopback URL the platforms send their
 * webhooks to, each request forwarded to the next replica in turn (round robin). It runs on a worker thread
 * (replica-balancer-worker.mjs), like a real balancer apart from the simulators.
 *
 * It behaves as an honest load balancer does, no better: a replica that refuses the connection (it is down) is
 * skipped and the request goes to the next one, since that replica never saw it; a replica that dies while it holds
 * a request leaves that request unanswered, and the balancer answers 502 without trying another (it cannot know
 * whether the replica committed it). The platform then sees a failed webhook: Kommo never retries one (the reply is
 * not acknowledged), Tokopedia neither (its message must come in through a poll sweep).
 */
import { Worker } from "node:worker_threads";

export interface ReplicaBalancer {
  /** http://127.0.0.1:PORT: give it to the platforms as the daemon's URL. */
  url: string;
  /** Requests each replica answered (by index in the target list); the counts come from the worker, a moment late. */
  answeredBy(): number[];
  /** Requests answered 502: a replica died holding them, or every replica was down. */
  failed(): number;
  /** Why forwarding failed, by socket error code (ECONNREFUSED counts the skips to the next replica). */
  errors(): Record<string, number>;
  close(): Promise<void>;
}

interface BalancerStats {
  answered: number[];
  failed: number;
  errors: Record<string, number>;
}

/** Starts a balancer over `targets` (the replicas' base URLs, e.g. http://127.0.0.1:20001). */
export async function startReplicaBalancer(targets: string[]): Promise<ReplicaBalancer> {
  const worker = new Worker(new URL("./replica-balancer-worker.mjs", import.meta.url), {
    workerData: { targets },
  });
  let stats: BalancerStats = { answered: targets.map(() => 0), failed: 0, errors: {} };
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (m: { port?: number; stats?: BalancerStats }) => {
      if (m.port !== undefined) resolve(m.port);
      if (m.stats) stats = m.stats;
    });
  });
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    answeredBy: () => [...stats.answered],
    failed: () => stats.failed,
    errors: () => ({ ...stats.errors }),
    async close() {
      worker.postMessage("close");
      await exited;
    },
  };
}
