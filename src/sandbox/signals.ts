/** Waiting for Ctrl-C (SIGINT) or SIGTERM without leaving listeners behind. */

export interface SignalWait {
  /** Resolves with the first of the signals that arrives. */
  readonly received: Promise<NodeJS.Signals>;
  /** Removes the listeners (the promise then never resolves). */
  dispose(): void;
}

export function waitForSignal(signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"]): SignalWait {
  let handler: ((s: NodeJS.Signals) => void) | undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    handler = (s) => resolve(s);
    for (const s of signals) process.on(s, handler);
  });
  return {
    received,
    dispose() {
      if (handler) for (const s of signals) process.off(s, handler);
    },
  };
}
