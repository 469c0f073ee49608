/**
 * undici, loaded on first use. Importing it costs a process about 19 MB of RSS (its HTTP parser is compiled at
 * import), and under `tokokommo serve` the main thread makes no HTTP calls of its own (net/worker-transport.ts):
 * a static import would pay that for nothing. Paths that do call from the calling thread load it here once.
 */
type Undici = typeof import("undici");

let loading: Promise<Undici> | undefined;

export function loadUndici(): Promise<Undici> {
  loading ??= import("undici");
  return loading;
}
