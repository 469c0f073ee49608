import type { Migration } from "./types.js";

/**
 * Placeholder for step 9, which another branch adds (lead routing / incoming leads). It keeps the versions of this
 * branch gapless until the merge replaces it with the real step 9; it changes nothing.
 */
export const m0009Reserved: Migration = {
  version: 9,
  name: "reserved",
  up() {},
};
