/**
 * The published schemas the consent exports must satisfy: the Kantara Consent Receipt v1.1 JSON Schema (draft-04,
 * as published) and this project's ISO/IEC TS 27560 profile (draft-07). Each validator answers the ajv errors, so
 * that a failing test says which field broke the schema.
 */
import fs from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import AjvDraft04 from "ajv-draft-04";

const root = path.resolve(__dirname, "../../schemas");
const read = (file: string): object => JSON.parse(fs.readFileSync(path.join(root, file), "utf8")) as object;

const kantaraSchema = read("kantara/consent-receipt-v1.1.schema.json");
const iso27560Schema = read("iso27560/consent-record.schema.json");

const validateKantara = new AjvDraft04({ allErrors: true }).compile(kantaraSchema);
const validateIso27560 = new Ajv({ allErrors: true }).compile(iso27560Schema);

/** The schema errors of a Kantara receipt, `[]` when it is valid. */
export function kantaraErrors(receipt: unknown): string[] {
  return validateKantara(receipt) ? [] : (validateKantara.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** The schema errors of an ISO/IEC TS 27560 record of this profile, `[]` when it is valid. */
export function iso27560Errors(record: unknown): string[] {
  return validateIso27560(record) ? [] : (validateIso27560.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
