/** Replaced at build time would be nicer; reading package.json at runtime keeps one source of truth. */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
export const version: string = (require("../package.json") as { version: string }).version;
