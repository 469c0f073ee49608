/** Setup of legacy Tokopedia (Seller Open API) shops: `init` (prompted or scripted), `shops add`, the IP whitelist. */
export { addTokopediaShop } from "./add-tokopedia-shop.js";
export { findTokopediaShop } from "./bind-shop.js";
export type { InitDeps, InitFlags, InitResult } from "./draft.js";
export { detectEgressIp, type EgressIp, whitelistFix } from "./egress-ip.js";
export { INIT_STEPS, runInit } from "./init-flow.js";
export { parseShopDomain } from "./shop-domain.js";
