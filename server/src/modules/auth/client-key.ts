import { isIPv4, isIPv6 } from "node:net";

/**
 * What identifies a client to the failed-authentication limit: its address as express computes it (`req.ip`, which
 * follows the `trust proxy` setting, so behind a configured proxy it is the address the proxy saw), and for IPv6 its
 * /64, since one subscriber is routinely handed a whole /64 and could otherwise try its addresses in turn. The
 * presented token is deliberately not part of the key: the client chooses it freely, so a key on it (or on its
 * prefix, which is the same `kj_` for every token) would give every guess a fresh allowance.
 */
export function clientKey(ip: string | undefined): string {
  if (ip === undefined || ip === "") return "unknown";
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  const address = ip.split("%")[0];
  if (!isIPv6(address)) return ip;
  const groups = ipv6Groups(address);
  return `${groups.slice(0, 4).join(":")}::/64`;
}

/** The eight groups of an IPv6 address, without leading zeros. */
function ipv6Groups(address: string): string[] {
  // The URL parser canonicalises (lower case, no leading zeros, embedded IPv4 as two hex groups).
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head, tail] = canonical.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  return [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
}
