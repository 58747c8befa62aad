import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import request from "supertest";
import { z } from "zod";
import { buildOpenApiDocument } from "../../../server/src/common/openapi";
import type { RegisteredRoute } from "../../../server/src/common/route-registry";
import { buildGateway } from "../support/gateway";
import { widgetsModule } from "../support/widgets";

interface Operation {
  operationId: string;
  security: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  "x-kuajie-auth": string;
}

describe("OpenAPI and /docs", function () {
  const gateway = buildGateway({ modules: [widgetsModule()] });

  async function document() {
    const res = await request(gateway.app).get("/openapi.json").expect(200);
    return res.body as {
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, unknown> };
    };
  }

  it("lists every registered route, core and module, with its auth level", async function () {
    const doc = await document();
    expect(doc.openapi).to.equal("3.1.0");
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => `${method.toUpperCase()} ${path} ${op["x-kuajie-auth"]}`),
    );
    expect(operations).to.have.members([
      "GET /healthz none",
      "GET /v1/me any",
      "POST /v1/subjects/ref operator",
      "POST /v1/widgets operator",
      "GET /v1/widgets/{id} any",
      "POST /v1/council/widgets council",
      "GET /v1/audit/widgets auditor",
    ]);
    expect(doc.paths["/healthz"].get.security).to.deep.equal([]);
    expect(doc.paths["/v1/me"].get.security).to.deep.equal([{ bearer: [] }]);
  });

  it("names the licence of package.json and a server relative to the document, as linters require", async function () {
    const res = await request(gateway.app).get("/openapi.json").expect(200);
    const pkg = JSON.parse(readFileSync(path.join(__dirname, "../../../package.json"), "utf8")) as { license: string };
    expect(res.body.info.license.identifier).to.equal(pkg.license);
    expect(res.body.servers).to.deep.equal([{ url: "/", description: res.body.servers[0].description }]);
  });

  it("shows a body schema's example and refuses to publish one the schema rejects", function () {
    const route = (example: unknown): RegisteredRoute => ({
      method: "post",
      path: "/v1/things",
      summary: "Create a thing",
      tag: "things",
      auth: "operator",
      readOnly: false,
      body: z.object({ size: z.number().int() }).meta({ examples: [example] }),
      responses: { 201: { description: "Created" } },
      idempotent: true,
    });
    const info = { title: "t", version: "1" };
    const doc = buildOpenApiDocument([route({ size: 3 })], info);
    const media = doc.paths!["/v1/things"].post!.requestBody as { content: Record<string, { example?: unknown }> };
    expect(media.content["application/json"].example).to.deep.equal({ size: 3 });
    expect(() => buildOpenApiDocument([route({ size: "big" })], info)).to.throw(/example body of POST \/v1\/things/);
  });

  it("describes each request body with the zod schema that validates it", async function () {
    const doc = await document();
    const widget = doc.paths["/v1/widgets"].post.requestBody!.content["application/json"].schema;
    expect(widget.required).to.have.members(["name", "fields"]);
    const fields = (
      widget.properties as Record<
        string,
        { items: { properties: Record<string, { pattern?: string; enum?: string[] }> } }
      >
    ).fields;
    expect(fields.items.properties.name.pattern).to.equal("^[a-z_]+$");
    expect(fields.items.properties.type.enum).to.deep.equal(["string", "number"]);

    const ref = doc.paths["/v1/subjects/ref"].post.requestBody!.content["application/json"].schema;
    const subject = (ref.$ref ? doc.components.schemas.SubjectIdentity : ref) as {
      properties: Record<string, { enum?: string[] }>;
    };
    expect(subject.properties.idType.enum).to.include("resident_id");
  });

  it("lists path and query parameters and the Idempotency-Key header of writes", async function () {
    const doc = await document();
    const read = doc.paths["/v1/widgets/{id}"].get.parameters!.map((p) => `${p.in}:${p.name}:${p.required ?? false}`);
    expect(read).to.have.members(["path:id:true", "query:verbose:false"]);
    const write = doc.paths["/v1/widgets"].post.parameters!.map((p) => `${p.in}:${p.name}`);
    expect(write).to.deep.equal(["header:Idempotency-Key"]);
  });

  it("documents the success schema and the problem+json errors", async function () {
    const doc = await document();
    const responses = doc.paths["/v1/widgets"].post.responses;
    expect(responses["201"].content!["application/json"].schema).to.have.property("properties");
    for (const status of ["400", "401", "403", "409", "413", "422", "default"]) {
      expect(responses[status].content, status).to.have.property("application/problem+json");
    }
    expect(doc.components.schemas).to.have.property("Problem");
  });

  it("serves Swagger UI at /docs from the gateway itself: no CDN, no inline script, allowed by the CSP", async function () {
    const res = await request(gateway.app).get("/docs").expect(200);
    expect(res.headers["content-type"]).to.match(/^text\/html/);
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).to.match(/script-src 'self'(;|$)/);
    expect(res.text).not.to.match(/https?:\/\//i);
    const scripts = [...res.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => m[2].trim())).to.deep.equal(["", ""]);
    const urls = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)]
      .map((m) => m[1])
      .filter((u) => u !== "/openapi.json");
    expect(urls).to.include.members([
      "/docs/assets/swagger-ui.css",
      "/docs/assets/swagger-ui-bundle.js",
      "/docs/assets/start.js",
    ]);
    for (const url of urls) {
      const asset = await request(gateway.app).get(url).expect(200);
      expect(asset.headers["content-type"], url).to.match(/^(text\/css|text\/javascript|image\/png)/);
    }
    const start = await request(gateway.app).get("/docs/assets/start.js").expect(200);
    expect(start.text).to.include('url: "/openapi.json"').and.include("validatorUrl: null");
    const bundle = await request(gateway.app).get("/docs/assets/swagger-ui-bundle.js").expect(200);
    expect(bundle.text).to.include("SwaggerUIBundle");
    // The distribution's own index.html would load the Petstore demo from the internet: not served.
    await request(gateway.app).get("/docs/assets/index.html").expect(404);
  });
});
