import type { RouteRegistry } from "../../common/route-registry";
import { receiptIdParamsSchema, receiptListQuerySchema, receiptListSchema, receiptViewSchema } from "./schemas";
import type { ReceiptService } from "./service";

export function registerReceiptRoutes(registry: RouteRegistry, receipts: ReceiptService): void {
  registry.route(
    {
      method: "get",
      path: "/v1/receipts",
      summary: "List access receipts",
      description:
        "Receipts where the caller's department is the requester or the provider (auditors: all), oldest first.",
      tag: "receipts",
      auth: "any",
      query: receiptListQuerySchema,
      responses: { 200: { description: "Receipts, as of the block given", schema: receiptListSchema } },
    },
    ({ query, auth }) => receipts.list(query, auth),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/receipts/:id",
      summary: "One access receipt with its leaf, and once anchored its batch and Merkle proof",
      tag: "receipts",
      auth: "any",
      params: receiptIdParamsSchema,
      responses: {
        200: { description: "The receipt", schema: receiptViewSchema },
        403: { description: "A receipt of a fetch between other departments" },
        404: { description: "No such receipt" },
      },
    },
    ({ params, auth }) => receipts.get(params.id, auth),
  );
}
