/**
 * The replicas of a PostgreSQL state: at least one `serve` replica alive (a heartbeat row younger than the
 * timeout), and every shop in scope swept by one of them (a live shop lease). An SQLite state has one daemon, which
 * daemon.healthz checks: this group is empty there.
 */
import { REPLICA_TIMEOUT_MS } from "../../cluster/port.js";
import { LEASE_TTL_MS } from "../../cluster/shop-leases.js";
import { shopKey } from "../../store/index.js";
import type { Check, CheckGroup } from "../types.js";
import { fail, pass, warn } from "../types.js";

const replicas: Check = {
  id: "cluster.replicas",
  title: "Replicas alive, and every shop swept by one",
  needs: ["state.readable"],
  async run(c) {
    const reader = c.store();
    if (!reader?.cluster) return pass("not applicable: the state is an SQLite file (one daemon)");
    const view = await reader.cluster(c.now());
    const n = view.replicas.length;
    if (n === 0)
      return fail(
        `no replica is alive: none wrote its heartbeat in the last ${REPLICA_TIMEOUT_MS / 1000} s`,
        "start `tokokommo serve` with this config on at least one machine (under systemd: `systemctl status tokokommo` and `journalctl -u tokokommo`)",
      );
    const alive = `${n} replica(s) alive (${view.replicas.map((r) => `${r.id} on ${r.host}, pid ${r.pid}`).join("; ")})`;
    const unswept = c
      .shops()
      .map((s) => shopKey(s))
      .filter((k) => view.shopHolders[k] === undefined);
    if (unswept.length > 0)
      return warn(
        `${alive}, but no replica sweeps ${unswept.join(", ")}`,
        `expected for up to ${LEASE_TTL_MS / 1000} s after a replica dies or a shop is added, until another replica takes the shop's lease; if it lasts, look in the replicas' logs for TK_ERR_STATE_UNREACHABLE and check that they run this config`,
      );
    return pass(`${alive}; each shop is swept by one of them`);
  },
};

export const clusterChecks: CheckGroup = {
  name: "cluster",
  checks: (ctx) => (ctx.configState.ok && ctx.stateIsDatabase() ? [replicas] : []),
};
