/**
 * Builders for the catalog, agreements and grants suites: register a resource and request an agreement over HTTP,
 * with times taken from the chain's clock (other suites may have moved it forward).
 */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import request from "supertest";
import type { LiveGateway } from "./live-gateway";

export const DAY = 24 * 3600;

/** A valid registration body; `overrides` replace top-level properties. */
export function resourceBody(code: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    code,
    name: "Household register",
    summary: "Registered residents and their addresses",
    shareType: "conditional",
    securityLevel: "important",
    personal: true,
    fields: [
      { name: "idNumber", type: "string", personal: true },
      { name: "name", type: "string", personal: true },
      { name: "address", type: "string" },
      { name: "birthDate", type: "date" },
    ],
    updateCycle: "daily",
    upstream: { url: "http://127.0.0.1:9101/household" },
    ...overrides,
  };
}

/** Registers a resource for `departmentKey` and returns its id. */
export async function registerResource(
  gw: LiveGateway,
  departmentKey: string,
  code: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const res = await request(gw.app)
    .post("/v1/catalog/resources")
    .set("Authorization", gw.bearer(departmentKey))
    .send(resourceBody(code, overrides));
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body.resourceId as string;
}

/** ISO 8601 of the chain's clock plus `seconds`. */
export async function chainIso(seconds: number): Promise<string> {
  return new Date(((await time.latest()) + seconds) * 1000).toISOString();
}

/** A valid agreement request body for `resourceId`; `overrides` replace top-level properties. */
export async function agreementBody(
  resourceId: string,
  overrides: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  return {
    resourceId,
    fields: ["idNumber", "name"],
    purpose: { code: "minimum-living-allowance", text: "Means test for the minimum living allowance" },
    legalBasis: "statutory_duty",
    legalReference: "《社会救助暂行办法》第十一条",
    validUntil: await chainIso(365 * DAY),
    ...overrides,
  };
}

/** Requests an agreement as `departmentKey`; returns the 201 body. */
export async function requestAgreement(
  gw: LiveGateway,
  departmentKey: string,
  resourceId: string,
  overrides: Record<string, unknown> = {},
): Promise<{ agreementId: number; status: string } & Record<string, unknown>> {
  const res = await request(gw.app)
    .post("/v1/agreements")
    .set("Authorization", gw.bearer(departmentKey))
    .send(await agreementBody(resourceId, overrides));
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body;
}

/** Mines past `seconds` and lets the gateway's index see the new block. */
export async function travel(gw: LiveGateway, seconds: number): Promise<void> {
  await time.increase(seconds);
  await gw.chain.indexer.catchUp();
}
