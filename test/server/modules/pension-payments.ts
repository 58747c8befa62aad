import type { LiveGateway } from "../support/live-gateway";
import { registerResource } from "../support/sharing";

/** hrss registers "pension-payments": unconditional, four fields of which two are personal; returns its id. */
export function registerPensionPayments(gw: LiveGateway): Promise<string> {
  return registerResource(gw, "hrss", "pension-payments", {
    name: "Pension payments",
    shareType: "unconditional",
    fields: [
      { name: "idNumber", type: "string", personal: true },
      { name: "name", type: "string", personal: true },
      { name: "monthlyAmount", type: "number" },
      { name: "since", type: "date" },
    ],
  });
}
