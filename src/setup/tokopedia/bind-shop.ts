/**
 * Finding a Tokopedia shop's id from its domain (shop-info lists the shops bound to the app), for `init` and
 * `shops add`. A shop that is not in the list is either not added in the Developer Console yet or waiting for
 * its owner to accept the approval e-mail: the error says both.
 */
import { TkError } from "../../errors/index.js";
import type { TokopediaClient } from "../../sources/tokopedia/index.js";
import type { TkShopInfo } from "../../sources/tokopedia/types.js";
import { parseShopDomain } from "./shop-domain.js";

export async function findTokopediaShop(client: TokopediaClient, domainOrUrl: string): Promise<TkShopInfo> {
  const domain = parseShopDomain(domainOrUrl);
  const shop = await client.findShopByDomain(domain);
  if (shop) return shop;
  throw new TkError(
    "TK_ERR_SETUP_SHOP_NOT_FOUND",
    `shop "${domain}" is not among the shops bound to app ${client.fsId}: it was not added yet, or its owner has not accepted the approval e-mail`,
    {
      fix: `in the Tokopedia Developer Console add "${domain}" under Shop Management; Tokopedia e-mails the shop owner, who must accept it (Seller Center > Aplikasi Pihak Ketiga); then run again`,
      exitCode: 1,
      details: { domain, fsId: client.fsId },
    },
  );
}
