/**
 * Loopback ports for the processes the harness starts.
 *
 * A port handed out by the OS (port 0) lies in the kernel's ephemeral range, the one outgoing connections take their
 * local ports from. A server that must listen again on the same port after a restart (a gateway killed and restarted,
 * a proxy taking a gateway's published endpoint) can then find it held by some client's connection: EADDRINUSE, one
 * run in many. The harness therefore hands out ports just below the ephemeral range, which no outgoing connection
 * uses, each checked free by binding it.
 */
import fs from "node:fs";
import net from "node:net";

/** Every process the harness starts listens on this address only. */
export const HOST = "127.0.0.1";

/** Linux's default ephemeral range starts here; other systems start higher (49152). */
const DEFAULT_EPHEMERAL_LOW = 32768;
/** How many ports below the ephemeral range the harness takes its ports from. */
const SPAN = 8192;

function ephemeralLow(): number {
  try {
    const [low] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > SPAN + 1024) return low;
  } catch {
    // Not Linux: the default is below every other system's range.
  }
  return DEFAULT_EPHEMERAL_LOW;
}

const rangeEnd = ephemeralLow();
const rangeStart = rangeEnd - SPAN;
/** Each process starts at its own place in the range (by pid), so that two harnesses rarely probe the same ports. */
let cursor = rangeStart + ((process.pid * 7919) % SPAN);
/** Ports already handed out by this process: never handed out twice, even once their first user has gone. */
const handedOut = new Set<number>();

function nextCandidate(): number {
  const port = cursor;
  cursor = cursor + 1 >= rangeEnd ? rangeStart : cursor + 1;
  return port;
}

/** `count` distinct free ports on 127.0.0.1 below the ephemeral range, each bound once to check it, then released. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let tried = 0; ports.length < count; tried++) {
    if (tried >= SPAN) throw new Error(`no ${count} free loopback ports in ${rangeStart}..${rangeEnd - 1}`);
    const port = nextCandidate();
    if (handedOut.has(port) || !(await portIsFree(port))) continue;
    handedOut.add(port);
    ports.push(port);
  }
  return ports;
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}
