import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import request from "supertest";
import { openDatabase } from "../../../../server/src/common/db";
import { TokenService } from "../../../../server/src/modules/auth/service";
import { TokenStore } from "../../../../server/src/store/tokens";
import { buildGateway } from "../../support/gateway";

/** The verified tokens kept in memory (store/tokens.ts): never a revoked one, never more than the bound. */
describe("token cache", function () {
  it("refuses a token on the very next request after its revocation through another service of the process", async function () {
    const gateway = buildGateway();
    const issued = gateway.tokens.create({ departmentKey: "health", role: "operator" });
    const bearer = `Bearer ${issued.token}`;
    for (let i = 0; i < 3; i++) await request(gateway.app).get("/v1/me").set("authorization", bearer).expect(200);
    expect(new TokenStore(gateway.db).cachedRows, "the token is served from memory").to.equal(1);
    // Another TokenService on the same connection, as the console's and `npm run tokens`' are.
    new TokenService(new TokenStore(gateway.db)).revoke(issued.id);
    const refused = await request(gateway.app).get("/v1/me").set("authorization", bearer);
    expect(refused.status).to.equal(401);
    expect(refused.body.detail).to.match(/revoked/);
  });

  it("refuses a token at once when another connection (another process) revokes it", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-token-cache-"));
    const file = path.join(dir, "gateway.db");
    const gatewayDb = openDatabase(file);
    const otherDb = openDatabase(file);
    try {
      const gatewayTokens = new TokenService(new TokenStore(gatewayDb));
      const issued = gatewayTokens.create({ departmentKey: "health", role: "operator" });
      expect(gatewayTokens.verify(issued.token)).to.deep.equal({
        tokenId: issued.id,
        role: "operator",
        departmentKey: "health",
      });
      expect(gatewayTokens.verify(issued.token)).not.to.equal(null);
      expect(new TokenStore(gatewayDb).cachedRows).to.equal(1);
      new TokenService(new TokenStore(otherDb)).revoke(issued.id);
      expect(gatewayTokens.verify(issued.token)).to.equal(null);
    } finally {
      gatewayDb.close();
      otherDb.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps at most its bound of rows, the least recently used dropped, and no unknown token", function () {
    const db = openDatabase(":memory:");
    const tokens = new TokenService(new TokenStore(db, { cacheRows: 2 }));
    const issued = [1, 2, 3].map(() => tokens.create({ departmentKey: "health", role: "operator" }));
    for (const token of issued) expect(tokens.verify(token.token)?.tokenId).to.equal(token.id);
    expect(new TokenStore(db).cachedRows).to.equal(2);
    // The first, dropped, is read again; the others still verify.
    for (const token of issued) expect(tokens.verify(token.token)?.tokenId).to.equal(token.id);
    expect(new TokenStore(db).cachedRows).to.equal(2);
    for (let i = 0; i < 5; i++) expect(tokens.verify(`kj_${String(i).repeat(43)}`)).to.equal(null);
    expect(new TokenStore(db).cachedRows).to.equal(2);
  });
});
