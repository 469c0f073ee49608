/**
 * An undici connector that only connects to addresses a policy allows (address-policy.ts), checked on the
 * address actually connected to: a host name is resolved here and only its allowed addresses are handed to the
 * socket (so a name that resolves to a public address for a check and to 127.0.0.1 for the connection — DNS
 * rebinding — cannot get through), an IP literal is checked before connecting, and the socket's remote address
 * is checked again once connected. The Host header and TLS server name stay the URL's host.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP, type Socket } from "node:net";
import type { buildConnector as BuildConnector } from "undici";

/** The code of the error a refused address fails the connection with. */
export const ADDRESS_REFUSED = "TK_NET_ADDRESS_REFUSED";

export function addressRefusedError(): Error {
  // No address in the message: it may be shown to people who must not learn about the network.
  return Object.assign(new Error("the address is not allowed"), { code: ADDRESS_REFUSED });
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for net/tls.connect that resolves, drops refused addresses, and fails if none is left. */
export function guardedLookup(refuse: (address: string) => boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      const allowed = addresses.filter((a) => !refuse(a.address));
      const first = allowed[0];
      if (!first) {
        callback(addressRefusedError(), []);
        return;
      }
      if (options.all) callback(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}

/** undici's `connect` option: the guarded connector (see the header). */
export function guardedConnector(
  buildConnector: typeof BuildConnector,
  refuse: (address: string) => boolean,
): BuildConnector.connector {
  const base = buildConnector({ lookup: guardedLookup(refuse) } as BuildConnector.BuildOptions);
  return (opts, callback) => {
    // net.connect skips `lookup` for an IP literal: check it here, before any packet is sent.
    if (isIP(opts.hostname) !== 0 && refuse(opts.hostname)) {
      callback(addressRefusedError(), null);
      return;
    }
    base(opts, (err, socket) => {
      if (err || !socket) {
        callback(err, null);
        return;
      }
      const remote = (socket as Socket).remoteAddress;
      if (remote === undefined || refuse(remote)) {
        socket.destroy();
        callback(addressRefusedError(), null);
        return;
      }
      callback(null, socket);
    });
  };
}
