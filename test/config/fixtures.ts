import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Secret values used by the fixtures; tests check none of them leaks. */
export const SECRETS = {
  tokopediaClientSecret: "tkp-client-secret-1f3a",
  tokopediaWebhookSecret: "tkp-webhook-secret-9c2e",
  tiktokshopAppSecret: "tts-app-secret-77b0",
  kommoToken: "kommo-long-lived-token-5d1c",
  channelSecret: "kommo-channel-secret-ab12",
} as const;

/** The example config of docs/configuration.md, adapted: a fresh object each call so tests can mutate it. */
export function validRaw(): Record<string, unknown> {
  return {
    version: 1,
    server: { host: "127.0.0.1", port: 8787, publicUrl: "https://bridge.example.com" },
    statePath: "/var/lib/tokokommo/state.db",
    sync: { mode: "hybrid", pollIntervalSeconds: 30 },
    tokopedia: {
      apps: [
        {
          name: "main",
          fsId: 13004,
          clientId: "tkp-client-id",
          clientSecret: SECRETS.tokopediaClientSecret,
          webhookSecret: SECRETS.tokopediaWebhookSecret,
        },
      ],
    },
    tiktokshop: {
      apps: [
        { name: "tts", appKey: "tts-app-key", appSecret: SECRETS.tiktokshopAppSecret, serviceId: "7001" },
      ],
    },
    kommo: {
      accounts: [
        {
          name: "acme",
          subdomain: "acme",
          amojoId: "52e591f7-c98f-4255-8495-827210138c81",
          auth: { longLivedToken: SECRETS.kommoToken },
          channel: { id: "344a5002-f8ca-454d-af3d-396180102ac7", secret: SECRETS.channelSecret },
          scopeId: "344a5002-f8ca-454d-af3d-396180102ac7_52e591f7-c98f-4255-8495-827210138c81",
        },
      ],
    },
    shops: [
      { shopId: 481154, app: "main", kommoAccount: "acme", name: "dumiesshop" },
      { source: "tiktokshop", shopId: "7494049642642441621", app: "tts", kommoAccount: "acme" },
    ],
  };
}

/** The smallest valid file: version, one app, one Kommo account, one shop. */
export function minimalRaw(): Record<string, unknown> {
  return withChanges(validRaw(), {
    server: undefined,
    statePath: undefined,
    sync: undefined,
    tiktokshop: undefined,
    "tokopedia.apps[0].webhookSecret": undefined,
    shops: [{ shopId: "481154", app: "main", kommoAccount: "acme" }],
  });
}

/**
 * A deep copy of `raw` with each `path` (e.g. `shops[0].kommoAccount`) set to its value; `undefined`
 * deletes the key. Intermediate objects are created when missing.
 */
export function withChanges(
  raw: Record<string, unknown>,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  const copy = structuredClone(raw);
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.match(/[^.[\]]+/g) ?? [];
    let node = copy as Record<string, unknown>;
    keys.slice(0, -1).forEach((k) => {
      node[k] ??= {};
      node = node[k] as Record<string, unknown>;
    });
    const last = keys[keys.length - 1]!;
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return copy;
}

export interface TempDir {
  dir: string;
  file(name: string, content: string | object, mode?: number): string;
  cleanup(): void;
}

export function tempDir(): TempDir {
  const dir = mkdtempSync(join(tmpdir(), "tokokommo-config-"));
  return {
    dir,
    file(name, content, mode = 0o600) {
      const path = join(dir, name);
      writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2), { mode });
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
