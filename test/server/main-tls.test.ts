/**
 * Mutual TLS of the gateway's server (server/src/main.ts, KUAJIE_TLS_CERT/KEY/CA): a throwaway CA made with openssl
 * for each run, a server certificate for 127.0.0.1, a client certificate from the CA and one from another CA. The
 * exchange endpoint answers only a client with a certificate from the CA; the rest of the API any TLS client.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import express from "express";
import { ConfigError } from "../../server/src/common/config";
import { createGatewayServer, tlsFilesFromEnv, type TlsFiles } from "../../server/src/main";

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

/** A CA, and a certificate it signs for `subject` (with `extension` lines such as subjectAltName). */
function makeCa(dir: string, name: string): void {
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
  ]);
}

function signed(dir: string, ca: string, name: string, extensions: string): void {
  openssl(dir, [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
  ]);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.crt`,
  ]);
}

interface Answer {
  status: number;
  body: string;
}

function request(port: number, urlPath: string, dir: string, client: string | null): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        path: urlPath,
        method: "POST",
        ca: fs.readFileSync(path.join(dir, "consortium-ca.crt")),
        ...(client
          ? {
              cert: fs.readFileSync(path.join(dir, `${client}.crt`)),
              key: fs.readFileSync(path.join(dir, `${client}.key`)),
            }
          : {}),
        agent: false,
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("gateway server: mutual TLS between gateways (KUAJIE_TLS_*)", function () {
  this.timeout(60_000);
  let dir: string;
  let files: TlsFiles;
  let server: ReturnType<typeof createGatewayServer>;
  let port: number;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-tls-"));
    makeCa(dir, "consortium-ca");
    makeCa(dir, "other-ca");
    signed(dir, "consortium-ca", "gateway", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
    signed(dir, "consortium-ca", "peer-gateway", "extendedKeyUsage=clientAuth\n");
    signed(dir, "other-ca", "stranger", "extendedKeyUsage=clientAuth\n");
    files = {
      cert: path.join(dir, "gateway.crt"),
      key: path.join(dir, "gateway.key"),
      ca: path.join(dir, "consortium-ca.crt"),
    };
    const app = express();
    app.post("/exchange/v1/fetch", (_req, res) => void res.json({ reached: "exchange" }));
    app.post("/v1/data/fetch", (_req, res) => void res.json({ reached: "api" }));
    server = createGatewayServer(app, files);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async function () {
    await new Promise((resolve) => server?.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("serves the exchange endpoint to a gateway with a certificate from the consortium's CA", async function () {
    const answer = await request(port, "/exchange/v1/fetch", dir, "peer-gateway");
    expect(answer.status).to.equal(200);
    expect(JSON.parse(answer.body)).to.deep.equal({ reached: "exchange" });
  });

  it("refuses the exchange endpoint without a client certificate: 403 problem+json", async function () {
    const answer = await request(port, "/exchange/v1/fetch", dir, null);
    expect(answer.status).to.equal(403);
    const problem = JSON.parse(answer.body) as { status: number; title: string; detail: string };
    expect(problem.status).to.equal(403);
    expect(problem.detail).to.include("none presented");
  });

  it("refuses the exchange endpoint to a certificate from another CA", async function () {
    const answer = await request(port, "/exchange/v1/fetch", dir, "stranger");
    expect(answer.status).to.equal(403);
    expect(answer.body).to.include("not accepted");
    expect(answer.body).to.not.include("reached");
  });

  it("serves the rest of the API to a TLS client without a certificate (its bearer token authenticates it)", async function () {
    const answer = await request(port, "/v1/data/fetch", dir, null);
    expect(answer.status).to.equal(200);
    expect(JSON.parse(answer.body)).to.deep.equal({ reached: "api" });
  });

  it("answers no plain HTTP on a TLS port", async function () {
    const plain = await fetch(`http://127.0.0.1:${port}/v1/data/fetch`, { method: "POST" }).then(
      (r) => r.status,
      () => 0,
    );
    expect(plain).to.not.equal(200);
  });

  it("takes all three KUAJIE_TLS_* variables or none, naming the missing one and a missing file", function () {
    expect(tlsFilesFromEnv({})).to.equal(null);
    expect(
      tlsFilesFromEnv({ KUAJIE_TLS_CERT: files.cert, KUAJIE_TLS_KEY: files.key, KUAJIE_TLS_CA: files.ca }),
    ).to.deep.equal(files);
    expect(() => tlsFilesFromEnv({ KUAJIE_TLS_CERT: files.cert, KUAJIE_TLS_KEY: files.key }))
      .to.throw(ConfigError)
      .with.property("variable", "KUAJIE_TLS_CA");
    expect(() =>
      tlsFilesFromEnv({
        KUAJIE_TLS_CERT: files.cert,
        KUAJIE_TLS_KEY: files.key,
        KUAJIE_TLS_CA: path.join(dir, "nope.crt"),
      }),
    )
      .to.throw(ConfigError, /no such file/)
      .with.property("variable", "KUAJIE_TLS_CA");
  });
});
