/**
 * Several `tokokommo serve` processes (the built binary) on one config and one state, each on a fixed loopback
 * port so that a replica restarted after a SIGKILL comes back where the load balancer (replica-balancer.ts) looks
 * for it. The output of every incarnation is kept, for the diagnostics of a failed run.
 */
import { type DaemonProcess, freePortRun, spawnDaemon } from "./daemon-process.js";

/** A kill or a start, on the wall clock (the simulators stamp their requests with it too). */
export interface ReplicaEvent {
  at: number;
  replica: number;
  what: "spawning" | "serving" | "killed";
}

export interface ReplicaSet {
  /** The replicas' base URLs, by index (fixed across restarts). */
  urls: string[];
  isUp(i: number): boolean;
  /** SIGKILLs replica `i` and waits until the process is gone. */
  kill(i: number): Promise<void>;
  /** Starts replica `i` again on its port; resolves once it serves. */
  restart(i: number): Promise<void>;
  /** The last `n` lines of replica `i`'s output over all its incarnations, info lines left out. */
  logTail(i: number, n: number): string;
  /** Every kill and start so far, oldest first. */
  events(): ReplicaEvent[];
  /** SIGKILLs every replica still running. */
  killAll(): Promise<void>;
}

export interface ReplicaSetOptions {
  configPath: string;
  count: number;
  /** Extra `serve` arguments (e.g. `--state postgres://…`). */
  args?: string[];
}

export async function startReplicaSet(o: ReplicaSetOptions): Promise<ReplicaSet> {
  const base = await freePortRun(o.count);
  const ports = Array.from({ length: o.count }, (_, i) => base + i);
  const running: (DaemonProcess | undefined)[] = ports.map(() => undefined);
  const pastOutput: string[] = ports.map(() => "");
  const events: ReplicaEvent[] = [];
  const spawn = async (i: number) => {
    events.push({ at: Date.now(), replica: i, what: "spawning" });
    running[i] = await spawnDaemon(o.configPath, ports[i]!, o.args ?? []);
    events.push({ at: Date.now(), replica: i, what: "serving" });
  };
  const set: ReplicaSet = {
    urls: ports.map((p) => `http://127.0.0.1:${p}`),
    isUp: (i) => running[i] !== undefined,
    async kill(i) {
      const d = running[i];
      if (!d) throw new Error(`replica ${i} is not running`);
      running[i] = undefined;
      d.child.kill("SIGKILL");
      await d.exited;
      events.push({ at: Date.now(), replica: i, what: "killed" });
      pastOutput[i] += `${d.output()}\n--- SIGKILL ---\n`;
    },
    async restart(i) {
      if (running[i]) throw new Error(`replica ${i} is running`);
      await spawn(i);
    },
    logTail(i, n) {
      const all = pastOutput[i]! + (running[i]?.output() ?? "");
      return all
        .split("\n")
        .filter((l) => l !== "" && !/"level":30/.test(l))
        .slice(-n)
        .join("\n");
    },
    events: () => [...events],
    async killAll() {
      await Promise.all(running.map((d, i) => (d ? set.kill(i) : undefined)));
    },
  };
  try {
    // One after the other: the first applies the migrations, the second finds them done.
    for (let i = 0; i < o.count; i++) await spawn(i);
  } catch (err) {
    await set.killAll();
    throw err;
  }
  return set;
}
