import { z } from "zod";
import { ContractRevertError, NotFoundError, TooManyRequestsError } from "../../../server/src/common/errors";
import type { RouteModule } from "../../../server/src/modules/feature";
import { reply } from "../../../server/src/common/route-registry";

/** A small feature module used to exercise the registry: validation, roles, idempotency, errors. */
const widgetBody = z.object({
  name: z.string().min(1),
  fields: z.array(z.object({ name: z.string().regex(/^[a-z_]+$/), type: z.enum(["string", "number"]) })).min(1),
  secretNote: z.string().optional(),
});

export interface WidgetCalls {
  created: number;
}

export function widgetsModule(calls: WidgetCalls = { created: 0 }): RouteModule {
  return (registry) => {
    registry.route(
      {
        method: "post",
        path: "/v1/widgets",
        summary: "Create a widget",
        auth: "operator",
        body: widgetBody,
        responses: { 201: { description: "Created", schema: z.object({ widgetId: z.number(), name: z.string() }) } },
      },
      async ({ body, req }) => {
        calls.created += 1;
        if (req.get("x-test-delay"))
          await new Promise((resolve) => setTimeout(resolve, Number(req.get("x-test-delay"))));
        if (body.name === "explode") throw new Error("database on fire: password=hunter2");
        if (body.name === "revert") {
          throw new ContractRevertError("CatalogResourceNotShareable", { resourceId: "0x01", version: 3n });
        }
        return { widgetId: calls.created, name: body.name };
      },
    );
    registry.route(
      {
        method: "get",
        path: "/v1/widgets/:id",
        summary: "Read a widget",
        auth: "any",
        params: z.object({ id: z.coerce.number().int().positive() }),
        query: z.object({ verbose: z.enum(["true", "false"]).optional() }),
        responses: { 200: { description: "The widget", schema: z.object({ widgetId: z.number() }) } },
      },
      ({ params }) => {
        if (params.id === 404) throw new NotFoundError("no widget 404");
        if (params.id === 429)
          throw new TooManyRequestsError("slow down", { reason: "quota_exceeded" }, { retryAfterSeconds: 30 });
        return { widgetId: params.id };
      },
    );
    registry.route(
      {
        method: "post",
        path: "/v1/council/widgets",
        summary: "Council-only widget",
        auth: "council",
        responses: { 202: { description: "Accepted" } },
      },
      () => reply(202, { accepted: true }),
    );
    registry.route(
      {
        method: "get",
        path: "/v1/audit/widgets",
        summary: "Auditor-only listing",
        auth: "auditor",
        responses: { 200: { description: "Items", schema: z.object({ items: z.array(z.number()) }) } },
      },
      () => ({ items: [] }),
    );
  };
}
