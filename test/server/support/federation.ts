/**
 * The two-gateway world of a federated fetch, on the in-process Hardhat network: one deployment, a PROVIDER gateway
 * serving the departments that provide data (listening on a loopback port the OS chose, its exchange endpoint
 * published on chain by each provider's admin operator) and a CONSUMER gateway serving the others. Each gateway holds
 * only its own departments' keys and has its own database, as in production. Writes go through the gateway that
 * holds the acting department's key (`world.chain.write`), so that no key has two senders.
 *
 * `fakeProvider` is a stand-in for a provider's gateway that the test steers: it signs with a provider department's
 * real key (or another), answers, refuses, fails, stalls, or tampers, and records what it was asked.
 */
import type { AddressInfo } from "node:net";
import http, { type Server } from "node:http";
import type { Wallet } from "ethers";
import { ZeroHash, encodeBytes32String, keccak256, toUtf8Bytes } from "ethers";
import {
  ExchangeRequestSchema,
  exchangeDomain,
  requestDigest,
  signResponse,
  type ExchangeRequest,
  type ExchangeResponse,
} from "../../../core/exchange";
import { canonicalJson } from "../../../core/json/canonical-json";
import { deriveDevSigners } from "../../../server/src/chain/keys";
import { deploySystem, type System } from "../../support/system";
import type { ChainWorld } from "./fetch-world";
import {
  DEV_MNEMONIC,
  PROVIDER_KEYS,
  startLiveGateway,
  type LiveGateway,
  type LiveGatewayOptions,
} from "./live-gateway";

export interface Federation extends ChainWorld {
  system: System;
  consumer: LiveGateway;
  provider: LiveGateway;
  /** The provider gateway's own base URL (what its departments publish). */
  providerUrl: string;
  /** The gateway that serves `key`. */
  gatewayOf(key: string): LiveGateway;
  /** Publishes `url` as `key`'s exchange endpoint (its admin operator's transaction), seen by both gateways. */
  publishEndpoint(key: string, url: string): Promise<void>;
  /** A consumer gateway started anew (after a simulated crash) takes the stopped one's place; stopped with the world. */
  replaceConsumer(gateway: LiveGateway): void;
  stop(): Promise<void>;
}

export interface FederationOptions {
  /** Configuration of both gateways (KUAJIE_…). */
  env?: Record<string, string>;
  consumerEnv?: Record<string, string>;
  consumerDatabaseFile?: string;
  features?: LiveGatewayOptions["features"];
}

export function listen(handler: http.RequestListener): Promise<{ server: Server; url: string }> {
  const server = http.createServer(handler);
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The demo departments that are not providers: the consumer gateway serves them. */
export function consumerKeys(system: System): string[] {
  return Object.keys(system.departments).filter((key) => !(PROVIDER_KEYS as readonly string[]).includes(key));
}

export async function startFederation(options: FederationOptions = {}): Promise<Federation> {
  const system = await deploySystem();
  const providers = new Set<string>(PROVIDER_KEYS);
  const provider = await startLiveGateway({
    system,
    env: options.env,
    departments: [...providers],
    features: options.features,
  });
  let consumer = await startLiveGateway({
    system,
    env: { ...options.env, ...options.consumerEnv },
    departments: consumerKeys(system),
    databaseFile: options.consumerDatabaseFile,
    features: options.features,
  });
  const { server, url: providerUrl } = await listen(provider.app);
  const gatewayOf = (key: string) => (providers.has(key) ? provider : consumer);
  const publishEndpoint = async (key: string, url: string) => {
    const written = await gatewayOf(key).chain.write(key, "Consortium", "setGatewayEndpoint", [url]);
    await Promise.all([provider, consumer].map((gw) => gw.chain.indexer.waitForBlock(written.blockNumber)));
  };
  for (const key of providers) await publishEndpoint(key, providerUrl);
  return {
    system,
    get consumer() {
      return consumer;
    },
    provider,
    providerUrl,
    gatewayOf,
    publishEndpoint,
    chain: {
      // Each gateway decides on its own view: a write counts as done once both have indexed it.
      write: async (key, ...rest) => {
        const written = await gatewayOf(key).chain.write(key, ...rest);
        await Promise.all([provider, consumer].map((gw) => gw.chain.indexer.waitForBlock(written.blockNumber)));
        return written;
      },
      accountOf: (key) => gatewayOf(key).chain.accountOf(key),
    },
    get app() {
      return consumer.app;
    },
    get bearer() {
      return consumer.bearer;
    },
    dbOf: (key) => gatewayOf(key).db,
    replaceConsumer(gateway) {
      consumer = gateway;
    },
    async stop() {
      await closeServer(server);
      await consumer.stop();
      await provider.stop();
    },
  };
}

export type FakeBehaviour =
  | { kind: "deliver"; data: Record<string, unknown> | Array<Record<string, unknown>> }
  | { kind: "deny"; reason: string }
  | { kind: "fail"; reason: string }
  /** Answers with data whose hash is not the signed one. */
  | { kind: "tamper"; data: Record<string, unknown> }
  /** Signs with a key that does not act for the provider. */
  | { kind: "foreign_signer"; data: Record<string, unknown> }
  /** Never answers (until the server closes). */
  | { kind: "hang" };

export interface FakeProvider {
  url: string;
  /** Bodies received, in order. */
  received: Array<{ request: ExchangeRequest; signature: string; subject?: unknown; params?: unknown }>;
  behaviour: FakeBehaviour;
  /** Called when a request arrives, before the answer (e.g. to revoke the grant while the provider "works"). */
  onRequest?: () => Promise<void>;
  close(): Promise<void>;
}

const hashData = (data: unknown) => keccak256(toUtf8Bytes(canonicalJson({ data })));

/**
 * A steerable provider gateway answering `POST /exchange/v1/fetch` as the provider department `providerKey` would,
 * signing with that department's development key. A repeated requestId gets its first answer again.
 */
export async function fakeProvider(
  system: System,
  providerKey: string,
  behaviour: FakeBehaviour,
): Promise<FakeProvider> {
  const devKey = (key: string) =>
    deriveDevSigners(DEV_MNEMONIC, [key], { firstIndex: system.departments[key].keyIndex }).get(key) as Wallet;
  const own = devKey(providerKey);
  const stranger = devKey("data-bureau");
  const domain = exchangeDomain(system.deployment.chainId, system.deployment.contracts.Consortium);
  const providerId = system.departments[providerKey].id.toLowerCase();
  const answered = new Map<string, string>();
  const fake: FakeProvider = {
    url: "",
    received: [],
    behaviour,
    close: async () => undefined,
  };
  const answer = async (request: ExchangeRequest): Promise<string | null> => {
    const b = fake.behaviour;
    if (b.kind === "hang") return null;
    const delivers = b.kind === "deliver" || b.kind === "tamper" || b.kind === "foreign_signer";
    const data = delivers ? b.data : undefined;
    const response: ExchangeResponse = {
      requestId: request.requestId,
      requestDigest: requestDigest(domain, request),
      provider: providerId,
      result: delivers ? "delivered" : b.kind === "deny" ? "denied" : "failed",
      reason: encodeBytes32String(delivers ? "ok" : b.reason),
      responseHash: delivers ? hashData(data) : ZeroHash,
      time: Math.floor(Date.now() / 1000),
    };
    const signature = await signResponse(b.kind === "foreign_signer" ? stranger : own, domain, response);
    const sent = b.kind === "tamper" ? { ...b.data, extra: "not what was signed" } : data;
    return JSON.stringify({ ...(sent !== undefined ? { data: sent } : {}), response, signature });
  };
  const { server, url } = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        const request = ExchangeRequestSchema.parse(body.request);
        fake.received.push({
          request,
          signature: String(body.signature),
          subject: body.subject,
          params: body.params,
        });
        await fake.onRequest?.();
        const text = answered.get(request.requestId) ?? (await answer(request));
        if (text === null) return; // hang: the consumer's timeout ends it
        answered.set(request.requestId, text);
        res.writeHead(200, { "content-type": "application/json" }).end(text);
      })();
    });
  });
  fake.url = url;
  fake.close = () => closeServer(server);
  return fake;
}
