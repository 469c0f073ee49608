/**
 * Turns the operator's start-up mistakes seen by listen() into documented errors (docs/errors.md) instead of
 * TK_ERR_INTERNAL: the port is taken, the port is privileged (below 1024) and the process may not bind it, or
 * `server.host` does not resolve or is not an address of this machine.
 * Anything else is returned unchanged.
 */
import { TkError } from "../errors/index.js";

const HOST_ERRORS = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EADDRNOTAVAIL"]);

export function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE") {
    return new TkError("TK_ERR_PORT_IN_USE", `port ${port} on ${host} is already in use by another program`, {
      exitCode: 1,
      cause: err,
      details: { host, port },
      fix: `Stop what listens there (\`ss -ltnp 'sport = :${port}'\` shows it; perhaps a tokokommo serve already running), or set server.port in the config (or --port) to a free port.`,
    });
  }
  if (code === "EACCES" || code === "EPERM") {
    return new TkError(
      "TK_ERR_PORT_FORBIDDEN",
      `this process may not listen on port ${port} on ${host} (${code}): ports below 1024 need privileges`,
      {
        exitCode: 2,
        cause: err,
        details: { host, port },
        fix: "Set server.port in the config (or --port) to a port above 1023 (the default is 8787) and let the reverse proxy listen on 443.",
      },
    );
  }
  if (code !== undefined && HOST_ERRORS.has(code)) {
    const why =
      code === "EADDRNOTAVAIL" ? "is not an address of this machine" : "does not resolve to an address";
    return new TkError(
      "TK_ERR_SERVER_HOST",
      `server.host "${host}" ${why} (${code}), so serve cannot listen on it`,
      {
        exitCode: 2,
        cause: err,
        details: { host, port },
        fix: "Set server.host in the config (or --host) to an address of this machine: 127.0.0.1 behind a reverse proxy (the default), or 0.0.0.0 for every interface.",
      },
    );
  }
  return err;
}
