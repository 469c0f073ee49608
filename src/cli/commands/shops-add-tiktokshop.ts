import type { Config } from "../../config/index.js";
import { notBuilt } from "../not-built.js";
import type { CommandResult } from "../result.js";

/** Options of `shops add --source tiktokshop` (design §7). */
export interface TiktokshopAddOptions {
  app: string;
  authCode: string;
  kommoAccount: string;
  shopIds?: string[];
}

/**
 * `shops add --source tiktokshop`: exchange the seller's authorization code, store the tokens in the state file,
 * bind the authorized shops (all, or those named) and write the config. Built by the TikTok Shop setup issue;
 * this is its one entry point.
 */
export async function addTiktokshopShops(
  _config: Config,
  _configPath: string,
  _options: TiktokshopAddOptions,
): Promise<CommandResult> {
  return notBuilt("shops add --source tiktokshop", "the TikTok Shop setup issue");
}
