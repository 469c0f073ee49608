/** The Kommo simulator for a file's tests: started before them, closed after. */
import { afterAll, beforeAll } from "vitest";
import { type KommoSimulator, startKommoSimulator } from "../../src/sim/kommo/index.js";

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
