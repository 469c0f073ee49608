/** The Kommo simulator for a file's tests: started before them, closed after. */
import { afterAll, beforeAll } from "vitest";
import { KommoChatsClient } from "../../src/kommo/index.js";
import { type KommoSimulator, type SimAccount, startKommoSimulator } from "../../src/sim/kommo/index.js";

export interface KommoSimulatorHolder {
  /** The started simulator (read it inside a test or a later hook). */
  readonly sim: KommoSimulator;
}

export function useKommoSimulator(): KommoSimulatorHolder {
  let sim: KommoSimulator | undefined;
  beforeAll(async () => {
    sim = await startKommoSimulator();
  });
  afterAll(async () => {
    await sim?.close();
  });
  return {
    get sim() {
      if (!sim)
        throw new Error("useKommoSimulator: the simulator is not started yet (read it inside a test)");
      return sim;
    },
  };
}

/**
 * A new channel of the simulator whose webhooks go nowhere (a closed port), connected to `account`: the chats
 * client that writes as a buyer, and the scope of that account.
 */
export async function connectChannel(
  sim: KommoSimulator,
  account: SimAccount,
): Promise<{ chats: KommoChatsClient; scopeId: string }> {
  const channel = sim.addChannel({ hookUrl: "http://127.0.0.1:9/:scope_id" });
  const chats = new KommoChatsClient({
    baseUrl: sim.url,
    channelId: channel.id,
    channelSecret: channel.secret,
  });
  return { chats, scopeId: (await chats.connect(account.amojoId)).scopeId };
}
