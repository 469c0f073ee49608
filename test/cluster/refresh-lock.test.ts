/**
 * withClusterRefreshLock with a shared token store (PostgreSQL replicas' in-memory copies): inside the lock the
 * key is re-read first, and every write is committed before the lock is released; a commit that fails fails the
 * refresh, never silently. A store without the hooks runs the refresh under the lock as it always did.
 */
import { describe, expect, it } from "vitest";
import { MemoryTokenStore, type SharedTokenStore } from "../../src/auth/token-store.js";
import { MemoryCoordinator } from "../../src/cluster/memory.js";
import type { Coordinator } from "../../src/cluster/port.js";
import { withClusterRefreshLock } from "../../src/cluster/refresh-lock.js";
import { TkError } from "../../src/errors/index.js";

/** A coordinator whose refresh lock writes "lock" and "release" into `events`. */
function loggingCoordinator(events: string[]): Coordinator {
  const inner = new MemoryCoordinator();
  const c = Object.create(inner) as Coordinator;
  c.withRefreshLock = (key, fn) =>
    inner.withRefreshLock(key, async () => {
      events.push(`lock ${key}`);
      try {
        return await fn();
      } finally {
        events.push("release");
      }
    });
  return c;
}

/** A shared store whose hooks write into `events`; `flushFails` makes flush() reject. */
function sharedStore(
  events: string[],
  o: { flushFails?: boolean; reloadFails?: boolean } = {},
): SharedTokenStore {
  const mem = new MemoryTokenStore();
  return {
    load: (k) => mem.load(k),
    save: (k, t) => {
      events.push(`save ${k}`);
      mem.save(k, t);
    },
    delete: (k) => mem.delete(k),
    async reloadKey(k) {
      events.push(`reload ${k}`);
      if (o.reloadFails) throw new Error("database gone");
    },
    async flush() {
      events.push("flush");
      if (o.flushFails) throw new TkError("TK_ERR_STATE_TOKEN_UNSAVED", "could not write kommo:acme");
    },
  };
}

const token = { accessToken: "a", refreshToken: "r", expiresAt: 1, obtainedAt: 0 };

describe("withClusterRefreshLock", () => {
  it("on a shared store: re-reads the key, refreshes, commits, then releases the lock", async () => {
    const events: string[] = [];
    const store = withClusterRefreshLock(sharedStore(events), loggingCoordinator(events));
    const result = await store.withRefreshLock?.("kommo:acme", async () => {
      events.push("refresh");
      store.save("kommo:acme", token);
      return "done";
    });
    expect(result).toBe("done");
    expect(events).toEqual([
      "lock refresh:kommo:acme",
      "reload kommo:acme",
      "refresh",
      "save kommo:acme",
      "flush",
      "release",
    ]);
  });

  it("a commit that fails fails the refresh (inside the lock), and so does a refresh that fails", async () => {
    const events: string[] = [];
    const store = withClusterRefreshLock(
      sharedStore(events, { flushFails: true }),
      loggingCoordinator(events),
    );
    await expect(store.withRefreshLock?.("kommo:acme", async () => "done")).rejects.toMatchObject({
      code: "TK_ERR_STATE_TOKEN_UNSAVED",
    });
    expect(events.slice(-2)).toEqual(["flush", "release"]);

    const ok = withClusterRefreshLock(sharedStore([]), new MemoryCoordinator());
    await expect(
      ok.withRefreshLock?.("kommo:acme", async () => {
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
  });

  it("a key that cannot be re-read is not refreshed", async () => {
    const events: string[] = [];
    const store = withClusterRefreshLock(
      sharedStore(events, { reloadFails: true }),
      loggingCoordinator(events),
    );
    await expect(store.withRefreshLock?.("kommo:acme", async () => events.push("refresh"))).rejects.toThrow(
      "database gone",
    );
    expect(events).toEqual(["lock refresh:kommo:acme", "reload kommo:acme", "release"]);
  });

  it("a store without the hooks: the refresh runs under the lock, as before", async () => {
    const events: string[] = [];
    const mem = new MemoryTokenStore();
    const store = withClusterRefreshLock(mem, loggingCoordinator(events));
    await store.withRefreshLock?.("kommo:acme", async () => {
      events.push("refresh");
      store.save("kommo:acme", token);
    });
    expect(events).toEqual(["lock refresh:kommo:acme", "refresh", "release"]);
    expect(mem.load("kommo:acme")).toEqual(token);
  });
});
