/** statePath as a file path or a PostgreSQL URL: how it is resolved, shown, and connected with. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/index.js";
import { REDACTED, redact } from "../../src/config/redact.js";
import { isTkError } from "../../src/errors/index.js";
import { openStore } from "../../src/store/index.js";
import { poolConfig, redactStateUrl } from "../../src/store/postgres/connection.js";
import { isPostgresUrl, resolveStatePath } from "../../src/store/state-location.js";
import { minimalRaw } from "../config/fixtures.js";
import { useTempDir } from "./helpers.js";

const URL_WITH_PASSWORD = "postgres://bridge:s3cr3t-pw@db.internal:5432/tokokommo?sslmode=verify-full";

describe("statePath: file or PostgreSQL URL", () => {
  const tmp = useTempDir();

  it("tells URLs from file paths", () => {
    expect(isPostgresUrl("postgres://h/db")).toBe(true);
    expect(isPostgresUrl("PostgreSQL://h/db")).toBe(true);
    expect(isPostgresUrl("/var/lib/tokokommo/state.db")).toBe(false);
    expect(isPostgresUrl("postgres.db")).toBe(false);
  });

  it("resolves a file path against the base directory and leaves a URL as written", () => {
    expect(resolveStatePath("state.db", "/etc/tokokommo")).toBe("/etc/tokokommo/state.db");
    expect(resolveStatePath(URL_WITH_PASSWORD, "/etc/tokokommo")).toBe(URL_WITH_PASSWORD);
  });

  it("the config accepts a URL as statePath without resolving it", () => {
    const c = validateConfig(
      { ...minimalRaw(), statePath: URL_WITH_PASSWORD },
      {},
      {
        configPath: "/etc/tokokommo/config.json",
      },
    );
    expect(c.statePath).toBe(URL_WITH_PASSWORD);
  });

  it("never shows the URL's password: in --json / log redaction, nor in the store's own messages", () => {
    const shown = JSON.stringify(redact({ statePath: URL_WITH_PASSWORD, note: `at ${URL_WITH_PASSWORD}` }));
    expect(shown).not.toContain("s3cr3t-pw");
    expect(shown).toContain(REDACTED);
    expect(shown).toContain("db.internal:5432/tokokommo");
    expect(redactStateUrl(URL_WITH_PASSWORD)).toBe(
      "postgres://bridge:[redacted]@db.internal:5432/tokokommo?sslmode=verify-full",
    );
  });

  it("takes the password from TOKOKOMMO_STATE_PASSWORD when the URL has none; the URL's wins", () => {
    const env = { TOKOKOMMO_STATE_PASSWORD: "from-env" };
    expect(poolConfig("postgres://bridge@db/tokokommo", { env }).password).toBe("from-env");
    expect(poolConfig(URL_WITH_PASSWORD, { env }).password).toBeUndefined();
    expect(poolConfig("postgres://bridge@db/tokokommo", { env: {} }).password).toBeUndefined();
  });

  it("the SQLite store refuses a URL clearly instead of creating a file named after it", () => {
    const cwd = process.cwd();
    process.chdir(tmp.dir());
    try {
      let code = "";
      try {
        openStore(URL_WITH_PASSWORD, { lock: true });
      } catch (err) {
        code = isTkError(err) ? `${err.code} ${err.message}` : String(err);
      }
      expect(code).toMatch(/^TK_ERR_STATE_OPEN_FAILED /);
      expect(code).not.toContain("s3cr3t-pw");
      expect(existsSync(join(tmp.dir(), "postgres:"))).toBe(false);
    } finally {
      process.chdir(cwd);
    }
  });
});
