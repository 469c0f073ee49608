/**
 * Getting the seller's authorization code: from --auth-code (the bare code or the redirect URL it came on),
 * pasted at a prompt, or caught by a one-shot local listener when the app's Redirect URL points at this machine.
 */
import type { Config, TiktokshopApp } from "../../config/index.js";
import type { Asker, Write } from "../asker.js";
import { authCodeFromPaste, consentLink, newConsentState } from "./consent.js";
import { listenForAuthCode } from "./redirect-listener.js";

export interface ListenerDefaults {
  /** The local redirect listener's defaults (port 8788, path /callback, 10 min). */
  port?: number;
  path?: string;
  timeoutMs?: number;
}

export async function sellerAuthCode(
  o: { config: Config; app: TiktokshopApp; flag: string | undefined; listener?: ListenerDefaults },
  ask: Asker,
  say: Write,
): Promise<string> {
  if (o.flag) return authCodeFromPaste(o.flag);
  const state = newConsentState();
  const link = consentLink(o.app, o.config, state);
  const how = await ask.prompter.select({
    id: "tiktokshop.codeReturn",
    message: "How will the authorization code come back?",
    choices: [
      { name: "I paste it (or the whole redirect URL)", value: "paste" },
      { name: "Catch it on this machine (Redirect URL points at 127.0.0.1)", value: "listen" },
    ],
  });
  if (how === "paste") {
    say(`Have the seller open this link and approve:\n  ${link}`);
    const pasted = await ask.prompter.input({
      id: "tiktokshop.authCode",
      message: "Authorization code (or the redirect URL it came on)",
      validate: (v) => (v.trim() ? true : "paste the code from the redirect URL"),
    });
    return authCodeFromPaste(pasted, state);
  }
  const port = Number(
    await ask.prompter.input({
      id: "tiktokshop.listenPort",
      message: "Local port for the redirect",
      default: String(o.listener?.port ?? 8788),
      validate: (v) => (/^\d{1,5}$/.test(v) && Number(v) < 65536 ? true : "a port number, e.g. 8788"),
    }),
  );
  const listener = await listenForAuthCode({
    port,
    path: o.listener?.path ?? "/callback",
    timeoutMs: o.listener?.timeoutMs ?? 10 * 60_000,
    expectedState: state,
  });
  say(`Set the app's Redirect URL in Partner Center to: ${listener.url}`);
  say(`Then have the seller open this link and approve:\n  ${link}\nWaiting for the redirect...`);
  return listener.code;
}
