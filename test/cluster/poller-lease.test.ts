/**
 * Each shop's poll sweep runs on one replica at a time: a poller given the `sweepsShop` hook sweeps only the shops
 * its replica holds the lease of (start-up sweep and periodic ones), and picks up a shop once its lease moves to
 * it. Without the hook every shop is swept, as before. A stand-in marketplace counts the listing calls; the
 * periodic sweeps run on a manual clock.
 */
import { afterEach, describe, expect, it } from "vitest";
import { cleanupWorlds, pollerWorld } from "./poller-world.js";

afterEach(cleanupWorlds);

describe("poll sweeps under shop leases", () => {
  it("sweeps only the shops whose lease this replica holds, and a shop once its lease moves here", async () => {
    const held = new Set(["tokopedia:1"]);
    const w = pollerWorld((shop) => held.has(`${shop.source}:${shop.shopId}`));
    await w.poller.start();
    expect(w.listed).toEqual(["1"]);
    await w.timers.advance(20_000);
    expect(w.listed.filter((s) => s !== "1")).toEqual([]);
    expect(w.listed.length).toBeGreaterThan(1);
    // The replica holding shop 3 died; its lease moved here.
    held.add("tokopedia:3");
    w.listed.length = 0;
    await w.timers.advance(30_000);
    expect(new Set(w.listed)).toEqual(new Set(["1", "3"]));
  });

  it("without the hook, every shop is swept", async () => {
    const w = pollerWorld();
    await w.poller.start();
    expect([...w.listed].sort()).toEqual(["1", "2", "3"]);
  });
});
