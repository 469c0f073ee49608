/** The PostgreSQL state backend's public pieces. */
export { PgOrderNotes } from "./order-notes.js";
