/** doctor's Tokopedia checks: each fault, injected into the Tokopedia simulator or the config, fails exactly its check. */
import { describe, expect, it } from "vitest";
import { TESTBED_WEBHOOK_SECRET } from "../../src/testbed/tokopedia.js";
import { failed, find, useDoctorBed } from "./testbed.js";

const t = useDoctorBed();

describe("each Tokopedia fault fails exactly its check", () => {
  it("tokopedia.credentials: the app's client is revoked", async () => {
    t.bed.tokopedia.revokeClient();
    try {
      const r = await t.doctor();
      expect(failed(r)).toEqual(["tokopedia.credentials:main"]);
      expect(find(r, "tokopedia.credentials").fix).toMatch(/client ID and client secret/);
    } finally {
      t.bed.tokopedia.restoreClient();
    }
  });
  it("tokopedia.ip-whitelist: this server's IP is not on the list", async () => {
    t.bed.tokopedia.setIpWhitelist({ enforce: false, ips: ["10.9.9.9"] });
    try {
      const r = await t.doctor();
      expect(failed(r)).toEqual(["tokopedia.ip-whitelist:main"]);
      expect(find(r, "tokopedia.ip-whitelist").fix).toBe(
        `add 127.0.0.1 to the IP whitelist of app ${t.bed.tokopedia.app.fsId} in the Tokopedia Developer Console (App > IP Whitelist), then run again`,
      );
    } finally {
      t.bed.tokopedia.setIpWhitelist({ enforce: false, ips: ["127.0.0.1"] });
    }
  });
  it("tokopedia.ip-whitelist: an enforced whitelist refusing us, named with the exact fix", async () => {
    t.bed.tokopedia.setIpWhitelist({ enforce: true, ips: ["10.9.9.9"] });
    try {
      const r = await t.doctor();
      expect(failed(r)).toContain("tokopedia.ip-whitelist:main");
      expect(find(r, "tokopedia.ip-whitelist").fix).toContain("add 127.0.0.1 to the IP whitelist");
    } finally {
      t.bed.tokopedia.setIpWhitelist({ enforce: false, ips: ["127.0.0.1"] });
    }
  });
  it("tokopedia.ip-whitelist warns when the IP cannot be told", async () => {
    const r = await t.doctor(t.configWith((raw) => delete raw.endpoints.ipEcho));
    expect(failed(r)).toEqual([]);
    expect(find(r, "tokopedia.ip-whitelist").status).toBe("warn");
  });
  it("config.egress-ip: --egress-ip is not an address", async () => {
    const r = await t.doctor(t.bed.configPath, { egressIp: "not-an-ip" });
    expect(failed(r)).toEqual(["config.egress-ip"]);
  });
  it("tokopedia.shop-bound: the shop's binding is removed (403 RBAC_MDLW_001)", async () => {
    t.bed.tokopedia.unbindShop(t.shopId);
    try {
      const r = await t.doctor();
      expect(failed(r)).toEqual([`tokopedia.shop-bound:${t.shopId}`]);
      const c = find(r, "tokopedia.shop-bound");
      expect(c.message).toContain("RBAC_MDLW_001");
      expect(c.fix).toContain("approval e-mail");
    } finally {
      t.bed.tokopedia.bindShop(t.shopId);
    }
  });
  it("tokopedia.shop-bound: approval still pending", async () => {
    t.bed.tokopedia.bindShop(t.shopId, { state: "pending" });
    try {
      const r = await t.doctor();
      expect(failed(r)).toEqual([`tokopedia.shop-bound:${t.shopId}`]);
      expect(find(r, "tokopedia.shop-bound").message).toContain("not yet approved");
    } finally {
      t.bed.tokopedia.bindShop(t.shopId);
    }
  });
  it("tokopedia.webhook-url: another chat URL is registered", async () => {
    await t.tk.registerWebhooks({ chat_notification_url: "https://old.example.com/hook" });
    try {
      const r = await t.doctor();
      expect(failed(r)).toEqual(["tokopedia.webhook-url:main"]);
      expect(find(r, "tokopedia.webhook-url").message).toContain("https://old.example.com/hook");
    } finally {
      await t.tk.registerWebhooks({ chat_notification_url: `${t.daemon.url}/webhooks/tokopedia/main` });
    }
  });
  it("tokopedia.webhook-secret: another secret is registered (and never printed)", async () => {
    await t.tk.registerWebhooks({ webhook_secret: "someone-elses-secret" });
    try {
      const r = await t.doctor();
      expect(failed(r)).toEqual(["tokopedia.webhook-secret:main"]);
      expect(JSON.stringify(r)).not.toContain("someone-elses-secret");
      expect(JSON.stringify(r)).not.toContain(TESTBED_WEBHOOK_SECRET);
    } finally {
      await t.tk.registerWebhooks({ webhook_secret: TESTBED_WEBHOOK_SECRET });
    }
  });
  it("tokopedia.webhook-secret: an app without a secret is warned about, with the fix", async () => {
    await t.tk.registerWebhooks({ webhook_secret: "" });
    try {
      const r = await t.doctor(t.configWith((raw) => delete raw.tokopedia.apps[0]!.webhookSecret));
      expect(failed(r)).toEqual([]);
      const c = find(r, "tokopedia.webhook-secret");
      expect(c.status).toBe("warn");
      expect(c.message).toContain("not signed");
      expect(c.fix).toContain("webhookSecret");
      expect(c.fix).toContain("tokokommo init --no-interactive --app main");
    } finally {
      await t.tk.registerWebhooks({ webhook_secret: TESTBED_WEBHOOK_SECRET });
    }
  });
});
