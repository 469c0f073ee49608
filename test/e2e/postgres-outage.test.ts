/**
 * The database of a replica goes away (a restart, a failover) and comes back: meanwhile webhooks are refused with
 * 503 and store nothing, /readyz says not ready, nothing crashes; once the database answers again the replica is
 * ready by itself and a catch-up sweep brings in what was refused. Nothing acknowledged is lost.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningDaemon } from "../../src/daemon/daemon.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { startConnectedDaemon, stopDaemonAndBed } from "../helpers/connected-daemon.js";
import { usePostgres } from "../helpers/postgres.js";
import { waitFor, waitForAsync } from "../helpers/wait.js";

// Its own server: the test stops and restarts it.
const pg = usePostgres({ own: true });
let bed: Testbed;
let daemon: RunningDaemon;
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  // The shortest poll interval the config allows: webhook mode's catch-up sweeps (once now, then once per interval
  // while writes fail, once more after) run at that pace, and the default 30 s would be most of this test's time.
  bed = await startTestbed({ mode: "webhook", pollIntervalSeconds: 5 });
  daemon = await startConnectedDaemon(bed, { statePath: await pg().createDatabase() });
}, 60_000);

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await stopDaemonAndBed(daemon, bed);
});

const readyz = async () => (await fetch(`${daemon.url}/readyz`)).status;

it("refuses webhooks with 503 while the database is down, then catches up by itself", async () => {
  const shopId = bed.shops[0]!.shopId;
  const inKommo = () => bed.kommo.received(bed.scopeId).filter((m) => m.direction === "in");
  await bed.tokopedia.buyerSends(shopId, "outage-0", "sebelum");
  await waitFor("the first message in Kommo", () => inKommo().length === 1);
  expect(await readyz()).toBe(200);

  pg().pause();
  try {
    const refused = await bed.tokopedia.buyerSends(shopId, "outage-1", "selama");
    expect(refused.deliveries[0]?.status).toBe(503);
    expect(await readyz()).toBe(503);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
  } finally {
    pg().resume();
  }

  await waitForAsync("/readyz ready again", async () => (await readyz()) === 200, 30_000);
  await waitFor("the refused message read by the catch-up sweep", () => inKommo().length === 2, 30_000);
  expect(inKommo().map((m) => m.text)).toEqual(["sebelum", "selama"]);
  expect(unhandled).toEqual([]);
}, 90_000);
