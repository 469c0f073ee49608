/**
 * A one-shot local listener for the consent redirect: when the app's Redirect URL in Partner Center points
 * at this machine (e.g. http://127.0.0.1:8788/callback), `init` catches the code instead of asking the
 * seller to paste it. It answers the first request to the redirect path, then closes.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { TkError } from "../../errors/index.js";
import { authCodeFromRedirect } from "./consent.js";
import { TTS_SETUP_ERR } from "./errors.js";

export interface AuthCodeListenerOptions {
  /** Port on 127.0.0.1 (0 or absent: a free one). */
  port?: number;
  /** Path the redirect arrives on (default "/callback"); other paths get 404 and are ignored. */
  path?: string;
  /** Give up after this long (the code itself is valid 30 minutes). */
  timeoutMs: number;
  /** When set, a redirect carrying another `state` is refused (CSRF protection). */
  expectedState?: string;
}

export interface AuthCodeListener {
  /** The redirect URL to register, e.g. http://127.0.0.1:8788/callback. */
  readonly url: string;
  readonly port: number;
  /** Resolves with the code of the first redirect; rejects on refusal, state mismatch or timeout. */
  readonly code: Promise<string>;
  /** Stops listening (rejects `code` if still waiting). */
  close(): Promise<void>;
}

const DONE_PAGE =
  "<!doctype html><meta charset=utf-8><title>tokokommo</title><p>Authorization received. You can close this tab and return to the terminal.</p>";
const FAILED_PAGE =
  "<!doctype html><meta charset=utf-8><title>tokokommo</title><p>The authorization did not go through. Return to the terminal for details.</p>";

export async function listenForAuthCode(o: AuthCodeListenerOptions): Promise<AuthCodeListener> {
  const path = o.path ?? "/callback";
  let settle: { resolve: (code: string) => void; reject: (err: unknown) => void } | undefined;
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Callers that never await `code` (closing early) must not crash the process with an unhandled rejection.
  code.catch(() => undefined);
  let done = false;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (done || req.method !== "GET" || url.pathname !== path) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    done = true;
    try {
      const c = authCodeFromRedirect(url.searchParams, o.expectedState);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(DONE_PAGE);
      settle?.resolve(c);
    } catch (err) {
      res.writeHead(400, { "content-type": "text/html; charset=utf-8" }).end(FAILED_PAGE);
      settle?.reject(err);
    }
    void stop();
  });
  const stop = async () => {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(cannotListen(o.port ?? 0, err)));
    server.listen(o.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const timer = setTimeout(() => {
    if (done) return;
    done = true;
    settle?.reject(
      new TkError(
        TTS_SETUP_ERR.CONSENT_TIMEOUT,
        `No authorization redirect arrived within ${Math.round(o.timeoutMs / 1000)} s.`,
        {
          fix: "check that the app's Redirect URL in Partner Center is this listener's URL, or paste the code instead",
        },
      ),
    );
    void stop();
  }, o.timeoutMs);
  timer.unref();
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    code,
    close: async () => {
      if (!done) {
        done = true;
        settle?.reject(
          new TkError(
            TTS_SETUP_ERR.CONSENT_TIMEOUT,
            "The authorization listener was closed before a redirect arrived.",
            {
              fix: "run the step again",
            },
          ),
        );
      }
      if (server.listening) await stop();
    },
  };
}

function cannotListen(port: number, err: unknown): TkError {
  return new TkError(
    TTS_SETUP_ERR.REDIRECT_LISTEN,
    `Cannot listen on 127.0.0.1:${port} for the authorization redirect (${(err as NodeJS.ErrnoException).code ?? "error"}).`,
    {
      fix: "choose another port (and set the same one in the app's Redirect URL), or paste the code instead",
    },
  );
}

/** Listens, waits for the first redirect, closes: resolves with its `code`. */
export async function catchAuthCode(o: AuthCodeListenerOptions): Promise<string> {
  const l = await listenForAuthCode(o);
  return l.code;
}
