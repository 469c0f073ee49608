/**
 * The list of check groups doctor runs, in order. A marketplace module adds its own group here (the TikTok Shop
 * checks will sit next to the Tokopedia ones) without touching the runner or the formatter.
 */
import { clusterChecks } from "./checks/cluster.js";
import { configChecks } from "./checks/config.js";
import { daemonChecks } from "./checks/daemon.js";
import { kommoChecks } from "./checks/kommo.js";
import { kommoRoutingChecks } from "./checks/kommo-routing.js";
import { stateChecks } from "./checks/state.js";
import { tiktokshopChecks } from "./checks/tiktokshop.js";
import { tokopediaChecks } from "./checks/tokopedia.js";
import type { CheckGroup } from "./types.js";

export const CHECK_GROUPS: readonly CheckGroup[] = [
  configChecks,
  stateChecks,
  clusterChecks,
  tokopediaChecks,
  tiktokshopChecks,
  kommoChecks,
  kommoRoutingChecks,
  daemonChecks,
];
