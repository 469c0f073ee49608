/**
 * doctor's routing checks per shop: the shop's pipeline (exists, not archived, incoming stage on), its responsible
 * user (exists, active; not judged for a non-admin token), and which way its leads reach the pipeline.
 */
import { describe, expect, it } from "vitest";
import { failed, find, useDoctorBed } from "./testbed.js";

const t = useDoctorBed();

/** A config variant whose first shop has these routing keys. */
function routed(keys: { pipelineId?: number; responsibleUserId?: number }) {
  return t.configWith((raw) => {
    Object.assign(raw.shops[0] as Record<string, unknown>, keys);
  });
}

const user = () => t.bed.kommo.routing.addUser(t.bed.accountId, { name: "Rina" });

describe("routing checks", () => {
  it("pass for an existing pipeline and an active user, naming the source way", async () => {
    const p = t.bed.kommo.routing.addPipeline(t.bed.accountId, { name: "Shop one" });
    const r = await t.doctor(routed({ pipelineId: p.id, responsibleUserId: user().id }));
    expect(failed(r)).toEqual([]);
    expect(find(r, "kommo.pipeline").message).toContain('"Shop one"');
    expect(find(r, "kommo.responsible-user").message).toContain('"Rina" is active');
    expect(find(r, "kommo.routing").message).toContain("via Kommo sources");
  });

  it("fail on a pipeline the account does not have, archived, or without its incoming stage", async () => {
    const archived = t.bed.kommo.routing.addPipeline(t.bed.accountId, { archived: true }).id;
    const noIncoming = t.bed.kommo.routing.addPipeline(t.bed.accountId, { incomingOn: false }).id;
    for (const [pipelineId, says] of [
      [424242, "is not in the Kommo account"],
      [archived, "is archived"],
      [noIncoming, "incoming leads stage off"],
    ] as const) {
      const r = await t.doctor(routed({ pipelineId }));
      expect(failed(r)).toEqual([`kommo.pipeline:${t.shopId}`]);
      expect(find(r, "kommo.pipeline").message).toContain(says);
    }
  });

  it("fail on an unknown or deactivated user; say 'not checked' for a non-admin token", async () => {
    const off = t.bed.kommo.routing.addUser(t.bed.accountId, { active: false }).id;
    for (const [responsibleUserId, says] of [
      [434343, "is not in the Kommo account"],
      [off, "is deactivated"],
    ] as const) {
      const r = await t.doctor(routed({ responsibleUserId }));
      expect(failed(r)).toEqual([`kommo.responsible-user:${t.shopId}`]);
      expect(find(r, "kommo.responsible-user").message).toContain(says);
    }
    t.bed.kommo.routing.setRights(t.bed.accountId, { admin: false });
    try {
      const r = await t.doctor(routed({ responsibleUserId: 434343 }));
      expect(failed(r)).toEqual([]);
      expect(find(r, "kommo.responsible-user").status).toBe("warn");
      expect(find(r, "kommo.responsible-user").message).toContain("not checked");
    } finally {
      t.bed.kommo.routing.setRights(t.bed.accountId, { admin: true });
    }
  });
});
