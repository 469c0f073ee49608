/** StateHealth: which errors are state write failures, what readiness sees, and how often a failure is logged. */
import { describe, expect, it } from "vitest";
import { markStateFailure } from "../../src/bridge/postgres-state-errors.js";
import { StateHealth, stateWriteCode } from "../../src/bridge/state-health.js";

const sqlite = (code: string) => Object.assign(new Error(code), { code });

describe("stateWriteCode", () => {
  it("maps SQLite's refusals of a write to the three state codes, and nothing else", () => {
    expect(stateWriteCode(sqlite("SQLITE_BUSY"))).toBe("TK_ERR_STATE_BUSY");
    expect(stateWriteCode(sqlite("SQLITE_BUSY_SNAPSHOT"))).toBe("TK_ERR_STATE_BUSY");
    expect(stateWriteCode(sqlite("SQLITE_LOCKED"))).toBe("TK_ERR_STATE_BUSY");
    expect(stateWriteCode(sqlite("SQLITE_FULL"))).toBe("TK_ERR_STATE_FULL");
    expect(stateWriteCode(sqlite("SQLITE_IOERR_WRITE"))).toBe("TK_ERR_STATE_WRITE");
    expect(stateWriteCode(sqlite("SQLITE_READONLY"))).toBe("TK_ERR_STATE_WRITE");
    // A constraint violation or a damaged file is not the disk's passing trouble.
    expect(stateWriteCode(sqlite("SQLITE_CONSTRAINT_UNIQUE"))).toBeUndefined();
    expect(stateWriteCode(sqlite("SQLITE_CORRUPT"))).toBeUndefined();
    expect(stateWriteCode(new TypeError("x is undefined"))).toBeUndefined();
    expect(stateWriteCode(undefined)).toBeUndefined();
    expect(stateWriteCode(sqlite("ECONNRESET"))).toBeUndefined();
  });
});

describe("StateHealth", () => {
  it("is failing from a refused write to the next success, and logs once per interval meanwhile", () => {
    let now = 1_000;
    const logged: string[] = [];
    const counted: string[] = [];
    const recovered: number[] = [];
    const health = new StateHealth({
      now: () => now,
      reportEveryMs: 10_000,
      onFailure: (f, log) => {
        counted.push(`${f.part}:${f.code}`);
        if (log) logged.push(`${f.part}:${f.code}`);
      },
      onRecovered: (f) => recovered.push(f.count),
    });
    expect(health.lastFailure).toBeUndefined();
    health.succeeded(); // no failure: nothing to recover from
    expect(recovered).toEqual([]);

    expect(health.failed("intake", sqlite("SQLITE_FULL"))).toBe("TK_ERR_STATE_FULL");
    now += 5_000;
    expect(health.failed("sweep", sqlite("SQLITE_FULL"))).toBe("TK_ERR_STATE_FULL");
    now += 5_000;
    health.failed("jobs", sqlite("SQLITE_BUSY"));
    expect(health.lastFailure).toMatchObject({
      code: "TK_ERR_STATE_BUSY",
      part: "jobs",
      since: 1_000,
      count: 3,
    });
    expect(counted).toEqual([
      "intake:TK_ERR_STATE_FULL",
      "sweep:TK_ERR_STATE_FULL",
      "jobs:TK_ERR_STATE_BUSY",
    ]);
    expect(logged).toEqual(["intake:TK_ERR_STATE_FULL", "jobs:TK_ERR_STATE_BUSY"]);

    // Another error is the caller's own: not recorded, readiness unchanged.
    expect(health.failed("jobs", new Error("bug"))).toBeUndefined();
    expect(health.lastFailure?.count).toBe(3);

    health.succeeded();
    expect(health.lastFailure).toBeUndefined();
    expect(recovered).toEqual([3]);
    // A new failure after a success is logged at once.
    now += 1;
    health.failed("intake", sqlite("SQLITE_BUSY"));
    expect(logged).toHaveLength(3);
    expect(health.lastFailure?.since).toBe(now);
  });

  it("a reporter that throws does not turn a handled failure into a new one", () => {
    const health = new StateHealth({
      onFailure: () => {
        throw new Error("logger down");
      },
      onRecovered: () => {
        throw new Error("logger down");
      },
    });
    expect(health.failed("sweep", sqlite("SQLITE_BUSY"))).toBe("TK_ERR_STATE_BUSY");
    expect(() => health.succeeded()).not.toThrow();
  });
});

describe("stateWriteCode on PostgreSQL", () => {
  const pgError = (code: string | undefined, message = "x") => Object.assign(new Error(message), { code });
  it("maps the database's passing failures once the state store marked them, and leaves others' alone", () => {
    const marked = (e: Error) => markStateFailure(e);
    expect(stateWriteCode(marked(pgError("57P01")))).toBe("TK_ERR_STATE_UNREACHABLE");
    expect(stateWriteCode(marked(pgError("08006")))).toBe("TK_ERR_STATE_UNREACHABLE");
    expect(stateWriteCode(marked(pgError("ECONNREFUSED")))).toBe("TK_ERR_STATE_UNREACHABLE");
    expect(stateWriteCode(marked(pgError(undefined, "Connection terminated unexpectedly")))).toBe(
      "TK_ERR_STATE_UNREACHABLE",
    );
    expect(stateWriteCode(marked(pgError("55P03")))).toBe("TK_ERR_STATE_BUSY");
    expect(stateWriteCode(marked(pgError("53100")))).toBe("TK_ERR_STATE_FULL");
    expect(stateWriteCode(marked(pgError("25006")))).toBe("TK_ERR_STATE_WRITE");
    // A bug in a statement (syntax, a constraint) is not the database's passing trouble.
    expect(stateWriteCode(marked(pgError("42601")))).toBeUndefined();
    expect(stateWriteCode(marked(pgError("23505")))).toBeUndefined();
    // The same network errors from a platform call (not marked by the store) are not the state's.
    expect(stateWriteCode(pgError("ECONNREFUSED"))).toBeUndefined();
    expect(stateWriteCode(pgError("57P01"))).toBeUndefined();
  });
});
