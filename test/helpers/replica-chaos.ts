/**
 * Random SIGKILLs of `serve` replicas while a test drives load, at points of the load (its steps) drawn from a
 * seeded generator, so that a failing schedule can be replayed. One replica is down at a time: the next kill comes
 * only once the last one's restart serves again, a random number of steps later; the replica killed is drawn at
 * random each time (it may be the one just restarted).
 */
import type { ReplicaSet } from "./replica-set.js";

/** mulberry32: a small seeded generator (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChaosOptions {
  set: ReplicaSet;
  rand: () => number;
  /** Steps before the first kill, and between a restart serving and the next kill: [min, max). */
  upSteps: [number, number];
  /** Steps a killed replica stays down before its restart starts: [min, max). */
  downSteps: [number, number];
  /** Kills stop at this many. */
  maxKills: number;
}

export class ReplicaChaos {
  /** "replica 1 at step 42", one per kill. */
  readonly kills: string[] = [];
  private step = 0;
  private nextKillAt: number;
  private down: { replica: number; restartAt: number } | undefined;
  private restarting: Promise<void> | undefined;

  constructor(private readonly o: ChaosOptions) {
    this.nextKillAt = this.between(o.upSteps);
  }

  /** Called before each step of the load: kills or restarts when due. Resolves once a kill is done. */
  async onStep(step: number): Promise<void> {
    this.step = step;
    if (this.down && step >= this.down.restartAt) this.restartDown();
    if (!this.down && !this.restarting && step >= this.nextKillAt && this.kills.length < this.o.maxKills) {
      await this.kill(step);
    }
  }

  /**
   * Starts the restart of the replica that is down now (when one is), without waiting for the step it is due: a
   * test with a single replica calls this when its load cannot go on without one.
   */
  restartDown(): void {
    const down = this.down;
    if (!down) return;
    this.down = undefined;
    const restarting = this.o.set.restart(down.replica).then(() => {
      this.restarting = undefined;
      this.nextKillAt = this.step + this.between(this.o.upSteps);
    });
    // Awaited by the next kill and by finish(); until then a failed restart must not go unhandled.
    restarting.catch(() => undefined);
    this.restarting = restarting;
  }

  /** After the load: brings the replica that is down back, then kills (and restarts) until `minKills` were made. */
  async finish(minKills: number): Promise<void> {
    this.restartDown();
    await this.restarting;
    while (this.kills.length < minKills) {
      await this.kill(this.step);
      this.restartDown();
      await this.restarting;
    }
  }

  private async kill(step: number): Promise<void> {
    const replica = Math.floor(this.o.rand() * this.o.set.urls.length);
    await this.o.set.kill(replica);
    this.kills.push(`replica ${replica} at step ${step}`);
    this.down = { replica, restartAt: step + this.between(this.o.downSteps) };
  }

  private between([min, max]: [number, number]): number {
    return min + Math.floor(this.o.rand() * (max - min));
  }
}
