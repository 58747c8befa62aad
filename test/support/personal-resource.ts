import { ethers } from "hardhat";
import { canonicalJson } from "../../core/json/canonical-json";
import type { System } from "./system";

const CONDITIONAL = 1;
const RESTRICTED = 1;
const IMPORTANT = 1;

/**
 * The provider registers a personal resource (conditional, restricted, important, no legal basis) whose fields are
 * all strings; returns its id.
 */
export async function registerPersonal(s: System, provider: string, code: string, fields: string[]): Promise<string> {
  const metadata = canonicalJson({ code, fields: fields.map((name) => ({ name, type: "string" })) });
  const terms = {
    shareType: CONDITIONAL,
    openType: RESTRICTED,
    securityLevel: IMPORTANT,
    personal: true,
    sensitive: false,
    itemCount: fields.length,
    legalBasis: ethers.ZeroHash,
  };
  await s.catalog.connect(s.operators[provider]).register(code, terms, metadata);
  return s.catalog.resourceIdOf(s.departments[provider].id, code);
}
