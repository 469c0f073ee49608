/** The backend side of a state port's contract suite (call counts, order notes), and its lifecycle per test. */
import { afterEach, beforeEach } from "vitest";

/** What a port's contract suite gets from a backend. */
export interface PortHarness<P> {
  /** Opens the port on the harness's (one, fresh) database; again for a second replica. */
  open(): Promise<P>;
  /** Closes what `open` opened. */
  close(): Promise<void>;
}

/** The running test's harness and the port it opened first (read them inside a test). */
export interface PortUnderTest<P> {
  readonly harness: PortHarness<P>;
  readonly port: P;
}

/** Before each test a fresh harness from `factory` and its port opened; after it, the harness closed. */
export function usePortHarness<P>(factory: () => Promise<PortHarness<P>>): PortUnderTest<P> {
  const current = {} as { harness: PortHarness<P>; port: P };
  beforeEach(async () => {
    current.harness = await factory();
    current.port = await current.harness.open();
  });
  afterEach(async () => {
    await current.harness.close();
  });
  return current;
}
