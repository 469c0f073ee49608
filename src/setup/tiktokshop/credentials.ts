/**
 * A live check of an app key and secret before any seller is involved: the token host is asked to exchange a
 * code that cannot exist. A known-bad code answer (36004004) means the credentials were accepted; an
 * invalid-credentials answer (36009004) means they were not. (an inference) The real host's order of checks is not
 * documented; any other answer is reported as "could not verify" rather than guessed.
 */
import { MemoryTokenStore } from "../../auth/token-store.js";
import type { Config, TiktokshopApp } from "../../config/index.js";
import { isTkError, TkError } from "../../errors/index.js";
import { TikTokShopAuth, TTS_ERR } from "../../sources/tiktokshop/index.js";
import { TTS_SETUP_ERR } from "./errors.js";

export type CredentialCheck =
  | { ok: true }
  | { ok: false; error: TkError }
  | { ok: "unknown"; reason: string };

const PROBE_CODE = "tokokommo-credential-check";

export async function verifyTikTokShopCredentials(
  app: Pick<TiktokshopApp, "name" | "appKey" | "appSecret">,
  config: Pick<Config, "endpoints">,
): Promise<CredentialCheck> {
  const auth = new TikTokShopAuth({
    appName: app.name,
    appKey: app.appKey,
    appSecret: app.appSecret,
    authBaseUrl: config.endpoints.tiktokshopAuth,
    tokenStore: new MemoryTokenStore(),
    timeoutMs: 15_000,
  });
  try {
    await auth.exchangeCode(PROBE_CODE);
    return { ok: "unknown", reason: "the token host accepted a made-up code" };
  } catch (err) {
    if (!isTkError(err)) throw err;
    if (err.code === TTS_ERR.AUTH_CODE_INVALID) return { ok: true };
    if (err.details?.platformCode === 36009004) {
      return {
        ok: false,
        error: new TkError(
          TTS_SETUP_ERR.CREDENTIALS_INVALID,
          `Tokopedia & Shop refused the app key or secret of "${app.name}".`,
          {
            exitCode: 2,
            fix: "copy App key and App secret again from Partner Center (App & Service → your app → Basic information)",
          },
        ),
      };
    }
    return { ok: "unknown", reason: `${err.code}: ${err.message}` };
  }
}
