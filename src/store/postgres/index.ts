/** The PostgreSQL state backend's public parts. */

export type { PgTokenStoreOptions } from "./tokens.js";
export { PgTokenStore } from "./tokens.js";
