/** Library entry: what other programs (and the benchmarks) may import from tokokommo. */
export * from "./errors/index.js";
export { version } from "./version.js";
