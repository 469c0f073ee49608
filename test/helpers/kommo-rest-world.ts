/**
 * A Kommo simulator with one account, its channel connected and a REST client on a long-lived token, for tests of
 * the simulator's REST routes through the real client. `raw` sends what the client never would; it shares the
 * client's limiter, so that together they keep to Kommo's 7 requests per second.
 */
import { afterAll, beforeAll } from "vitest";
import { type KommoChatsClient, KommoRateLimiter, KommoRestClient } from "../../src/kommo/index.js";
import { type KommoSimulator, type SimAccount, startKommoSimulator } from "../../src/sim/kommo/index.js";
import { connectChannel } from "./kommo-simulator.js";

export interface KommoRestWorld {
  sim: KommoSimulator;
  account: SimAccount;
  rest: KommoRestClient;
  /** A raw REST request with the account's token, paced like the client's. */
  raw(method: string, path: string, body?: unknown): Promise<Response>;
  /** A new chat from a buyer named `name` through the channel; returns Kommo's chat id. */
  sendChat(name: string): Promise<string>;
  /** A new chat from a buyer named `name`; returns the incoming lead Kommo made for it. */
  newLead(name: string): Promise<number>;
}

/**
 * Starts the world before the file's tests and closes it after; its fields are set once beforeAll ran. `limit`:
 * requests per second of the shared limiter (Kommo's 7 by default).
 */
export function useKommoRestWorld(tokenKey: string, options: { limit?: number } = {}): KommoRestWorld {
  const limiter = new KommoRateLimiter(options.limit !== undefined ? { limit: options.limit } : {});
  let chats: KommoChatsClient;
  let scopeId: string;
  let token: string;
  const world = {
    async raw(method: string, path: string, body?: unknown) {
      await limiter.acquire();
      return fetch(`${world.sim.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    },
    async sendChat(name: string) {
      const now = Date.now();
      const sent = await chats.sendMessage(scopeId, {
        timestamp: Math.floor(now / 1000),
        msec_timestamp: now,
        msgid: `m-${name}`,
        conversation_id: `tts:1:${name}`,
        silent: false,
        sender: { id: `tts:user:${name}`, name },
        message: { type: "text", text: "halo" },
      });
      return sent.amojoChatId!;
    },
    async newLead(name: string) {
      const leadId = await world.rest.leadOfChat(await world.sendChat(name));
      if (leadId === undefined) throw new Error("no lead");
      return leadId;
    },
  } as KommoRestWorld;
  beforeAll(async () => {
    world.sim = await startKommoSimulator();
    const account = world.sim.addAccount({ name: "Acme", subdomain: "acme" });
    world.account = account;
    ({ chats, scopeId } = await connectChannel(world.sim, account));
    token = world.sim.longLivedToken(account.id);
    world.rest = new KommoRestClient({
      baseUrl: world.sim.url,
      auth: { kind: "longLived", token },
      tokenKey,
      limiter,
    });
  });
  afterAll(async () => {
    await world.sim?.close();
  });
  return world;
}
