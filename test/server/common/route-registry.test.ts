/**
 * The route registry's one-lookup dispatch of static routes (issue 14): the same route answers as express's walk
 * through every route would have chosen, once, with its validation and error handling.
 */
import { expect } from "chai";
import express from "express";
import request from "supertest";
import { z } from "zod";
import { notFoundHandler, problemHandler } from "../../../server/src/common/problem";
import { createRouteRegistry } from "../../../server/src/common/route-registry";

function appWith(register: (registry: ReturnType<typeof createRouteRegistry>) => void) {
  const registry = createRouteRegistry({
    authenticate: (_req, _res, next) => next(),
    authorize: () => (_req, _res, next) => next(),
    idempotency: (_req, _res, next) => next(),
  });
  register(registry);
  const app = express();
  app.use(express.json());
  app.use(registry.router);
  app.use(notFoundHandler());
  app.use(problemHandler());
  return app;
}

const ok = { 200: { description: "ok" } };

describe("Route registry dispatch", function () {
  it("answers a static path from the route the walk would choose: an earlier parameterised route wins", async function () {
    const app = appWith((registry) => {
      registry.route({ method: "get", path: "/v1/things/:id", summary: "one", auth: "none", responses: ok }, () => ({
        by: "id",
      }));
      registry.route(
        { method: "get", path: "/v1/things/special", summary: "special", auth: "none", responses: ok },
        () => ({
          by: "special",
        }),
      );
      registry.route({ method: "get", path: "/v1/others", summary: "others", auth: "none", responses: ok }, () => ({
        by: "others",
      }));
    });
    expect((await request(app).get("/v1/things/special").expect(200)).body).to.deep.equal({ by: "id" });
    expect((await request(app).get("/v1/others").expect(200)).body).to.deep.equal({ by: "others" });
  });

  it("runs a static route's handler once, for its exact path and its other spellings alike", async function () {
    let calls = 0;
    const app = appWith((registry) => {
      registry.route({ method: "post", path: "/v1/count", summary: "count", auth: "none", responses: ok }, () => ({
        calls: ++calls,
      }));
    });
    expect((await request(app).post("/v1/count").send({}).expect(200)).body).to.deep.equal({ calls: 1 });
    expect((await request(app).post("/v1/count/").send({}).expect(200)).body).to.deep.equal({ calls: 2 });
    expect((await request(app).post("/V1/COUNT").send({}).expect(200)).body).to.deep.equal({ calls: 3 });
    await request(app).get("/v1/count").expect(404);
  });

  it("validates and fails on the direct path as on the walk: a bad body is a 400 naming the field", async function () {
    const app = appWith((registry) => {
      registry.route(
        {
          method: "post",
          path: "/v1/widgets",
          summary: "widgets",
          auth: "none",
          body: z.strictObject({ name: z.string() }),
          responses: ok,
        },
        ({ body }) => ({ name: body.name }),
      );
    });
    const refused = await request(app).post("/v1/widgets").send({ name: 7 }).expect(400);
    expect(refused.headers["content-type"]).to.match(/application\/problem\+json/);
    expect(JSON.stringify(refused.body)).to.include("body.name");
    expect((await request(app).post("/v1/widgets").send({ name: "a" }).expect(200)).body).to.deep.equal({ name: "a" });
  });
});
