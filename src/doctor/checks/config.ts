/** Checks of the config file itself. Everything else needs `config.valid`. */
import { isIP } from "node:net";
import { mediaAllowsPrivateNetworks } from "../../bridge/download-media.js";
import type { Check, CheckGroup } from "../types.js";
import { fail, pass, warn } from "../types.js";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The config file exists, is JSON and passes the schema; every other check needs it. */
const valid: Check = {
  id: "config.valid",
  title: "Config file is valid",
  run(ctx) {
    const s = ctx.configState;
    if (s.ok) return pass(`${ctx.configPath} is valid`);
    if (s.reason === "missing")
      return fail(s.message, "run `tokokommo init` to create it, or pass --config / TOKOKOMMO_CONFIG");
    const lines = (s.problems ?? []).map((p) => `${p.path}: ${p.message}`);
    const fixes = (s.problems ?? []).map((p) => p.fix).filter((f): f is string => !!f);
    return fail(
      [s.message, ...lines].join("\n"),
      fixes.length > 0
        ? `${fixes.join("; ")} (docs/configuration.md)`
        : "correct the file (docs/configuration.md describes every key)",
    );
  },
};

/** Webhooks have a public https address to arrive at (unless polling). */
const publicUrl: Check = {
  id: "config.public-url",
  title: "Public URL for webhooks",
  needs: ["config.valid"],
  run(ctx) {
    const { publicUrl } = ctx.config.server;
    if (!publicUrl) {
      return ctx.config.sync.mode === "poll"
        ? pass("no server.publicUrl: polling mode, no webhooks needed")
        : warn(
            `no server.publicUrl: sync.mode "${ctx.config.sync.mode}" can only poll`,
            'set server.publicUrl to the https address of this bridge (behind your reverse proxy), or set sync.mode to "poll"',
          );
    }
    const url = new URL(publicUrl);
    const local = LOOPBACK.has(url.hostname);
    if (url.protocol === "https:" || local) return pass(`webhooks go to ${publicUrl}`);
    return warn(
      `server.publicUrl is plain http (${publicUrl}); the platforms send webhooks to https addresses`,
      "put a TLS reverse proxy in front of the bridge and set server.publicUrl to its https:// address",
    );
  },
};

/** Media downloads stay off private networks unless on purpose. */
const mediaPrivateNetworks: Check = {
  id: "config.media-private-networks",
  title: "Media downloads stay off private networks",
  needs: ["config.valid"],
  run(ctx) {
    if (!mediaAllowsPrivateNetworks(ctx.config.media, ctx.env))
      return pass("pictures are downloaded from public addresses only");
    // A rehearsal on the simulators: Kommo itself, which serves the pictures, runs on this machine.
    const kommoHost = new URL(ctx.config.endpoints.kommoChats).hostname;
    if (LOOPBACK.has(kommoHost))
      return pass("media downloads may reach private networks: Kommo is on this machine (simulators)");
    return warn(
      "media downloads may reach loopback, private and cloud metadata addresses (media.allowPrivateNetworks or TOKOKOMMO_MEDIA_ALLOW_PRIVATE_NETWORKS): whoever writes in a Kommo chat can make the bridge fetch from this machine's network",
      "remove media.allowPrivateNetworks (and TOKOKOMMO_MEDIA_ALLOW_PRIVATE_NETWORKS) unless your media host is inside your own network on purpose; the sandbox and tests set it for their simulators",
    );
  },
};

/** --egress-ip, when given, is an IP address. */
const egressIp: Check = {
  id: "config.egress-ip",
  title: "Egress IP is a valid address",
  needs: ["config.valid"],
  run(ctx) {
    const ip = ctx.options.egressIp;
    if (ip !== undefined && isIP(ip) === 0)
      return fail(`--egress-ip ${JSON.stringify(ip)} is not an IP address`, "pass an IPv4 or IPv6 address");
    return pass(ip ? `using --egress-ip ${ip}` : "no --egress-ip given");
  },
};

export const configChecks: CheckGroup = {
  name: "config",
  checks: () => [valid, publicUrl, mediaPrivateNetworks, egressIp],
};
