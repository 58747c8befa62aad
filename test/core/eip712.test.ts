import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { TypedDataEncoder } from "ethers";
import { CONSENT_TYPES, KEY_ROTATION_TYPES, SEAL_TYPES, WITHDRAWAL_TYPES, eip712Domain } from "../../core/eip712";

/** The type string a contract hashes into its `<NAME>_TYPEHASH`, read from its Solidity source. */
function typeStringIn(contractFile: string, constant: string): string {
  const source = fs.readFileSync(path.join(__dirname, "../../contracts", contractFile), "utf8");
  const match = new RegExp(`${constant}\\s*=\\s*keccak256\\(\\s*"([^"]+)"`).exec(source);
  if (!match) throw new Error(`${constant} not found in ${contractFile}`);
  return match[1];
}

describe("core/eip712", function () {
  it("has the type strings of the contracts' TYPEHASH constants", function () {
    expect(TypedDataEncoder.from(CONSENT_TYPES).encodeType("Consent")).to.equal(
      typeStringIn("consent/ConsentRegistry.sol", "CONSENT_TYPEHASH"),
    );
    expect(TypedDataEncoder.from(WITHDRAWAL_TYPES).encodeType("Withdrawal")).to.equal(
      typeStringIn("consent/ConsentRegistry.sol", "WITHDRAWAL_TYPEHASH"),
    );
    expect(TypedDataEncoder.from(KEY_ROTATION_TYPES).encodeType("SubjectKeyRotation")).to.equal(
      typeStringIn("consent/ConsentRegistry.sol", "KEY_ROTATION_TYPEHASH"),
    );
    expect(TypedDataEncoder.from(SEAL_TYPES).encodeType("Seal")).to.equal(
      typeStringIn("sharing/SharingAgreements.sol", "SEAL_TYPEHASH"),
    );
  });

  it("builds a contract's domain, version 1", function () {
    const address = `0x${"12".repeat(20)}`;
    expect(eip712Domain("SharingAgreements", 31337n, address)).to.deep.equal({
      name: "Kuajie SharingAgreements",
      version: "1",
      chainId: 31337n,
      verifyingContract: address,
    });
  });
});
