/**
 * Which network addresses an outbound fetch of a URL that someone else chose (a Kommo attachment link) may
 * connect to. Without this, a link to http://127.0.0.1:8080/ or http://169.254.169.254/ (cloud metadata) makes the
 * bridge fetch from its own machine or private network and hand the answer on: a server-side request forgery.
 *
 * Refused: loopback, private (RFC 1918), carrier-grade NAT, link-local (with the cloud metadata addresses),
 * "this network", multicast, broadcast and reserved IPv4; IPv6 loopback, unspecified, unique-local (fc00::/7,
 * e.g. AWS's fd00:ec2::254), link-local, site-local and multicast; and any IPv6 form that embeds one of the
 * refused IPv4 addresses (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16).
 */
import { BlockList, isIP } from "node:net";

const V4_REFUSED: [string, number][] = [
  ["0.0.0.0", 8], // "this network", includes the unspecified 0.0.0.0
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT (also Alibaba Cloud's metadata 100.100.100.200)
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, includes the 169.254.169.254 metadata service
  ["172.16.0.0", 12],
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, includes the broadcast 255.255.255.255
];

const V6_REFUSED: [string, number][] = [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["fc00::", 7], // unique-local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated, still routable inside some networks)
  ["ff00::", 8], // multicast
  ["2001:db8::", 32], // documentation
];

const v4List = new BlockList();
for (const [a, p] of V4_REFUSED) v4List.addSubnet(a, p, "ipv4");
const v6List = new BlockList();
for (const [a, p] of V6_REFUSED) v6List.addSubnet(a, p, "ipv6");

/** True for an address the media download must not connect to (see the header); also for non-addresses. */
export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return v4List.check(address, "ipv4");
  if (family !== 6) return true;
  const groups = expandIpv6(address);
  if (!groups) return true;
  const embedded = embeddedIpv4(groups);
  if (embedded !== undefined) return v4List.check(embedded, "ipv4");
  return v6List.check(address, "ipv6");
}

/** The IPv4 address an IPv6 address carries in one of the embedding forms, if it is one. */
function embeddedIpv4(g: number[]): string | undefined {
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6]!, g[7]!); // ::ffff:a.b.c.d (mapped)
  if (zeros(0, 6) && (g[6] !== 0 || g[7]! > 1)) return v4(g[6]!, g[7]!); // ::a.b.c.d (compatible)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6]!, g[7]!); // NAT64
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!); // 6to4
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined if it is not one. */
function expandIpv6(address: string): number[] | undefined {
  let a = address.split("%")[0]!.toLowerCase();
  // A trailing dotted IPv4 part becomes two hex groups.
  const lastColon = a.lastIndexOf(":");
  const tail = a.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (isIP(tail) !== 4) return undefined;
    const [b0, b1, b2, b3] = tail.split(".").map(Number) as [number, number, number, number];
    a = `${a.slice(0, lastColon + 1)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const halves = a.split("::");
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((h) => Number.parseInt(h, 16)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const groups = [...head, ...new Array<number>(Math.max(fill, 0)).fill(0), ...rest];
  if (groups.length !== 8 || groups.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffff))
    return undefined;
  return groups;
}
