import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { StoredToken, TokenStore } from "../../src/auth/token-store.js";

/**
 * A TokenStore on a JSON file, re-read on every load: a second instance on the same file sees what the first
 * wrote, like a restarted process reopening the state file. Writes are atomic (temp file + rename).
 */
export class FileTokenStore implements TokenStore {
  constructor(private readonly path: string) {}
  private read(): Record<string, StoredToken> {
    try {
      return JSON.parse(readFileSync(this.path, "utf8")) as Record<string, StoredToken>;
    } catch {
      return {};
    }
  }
  private write(all: Record<string, StoredToken>): void {
    writeFileSync(`${this.path}.tmp`, JSON.stringify(all));
    renameSync(`${this.path}.tmp`, this.path);
  }
  load(key: string): StoredToken | undefined {
    return this.read()[key];
  }
  save(key: string, token: StoredToken): void {
    this.write({ ...this.read(), [key]: token });
  }
  delete(key: string): void {
    const all = this.read();
    delete all[key];
    this.write(all);
  }
}
