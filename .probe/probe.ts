import { StackSite } from "../scripts/harness";
import fs from "node:fs";
(async () => {
  const site = await StackSite.create({ KUAJIE_EXCHANGE_TIMEOUT_MS: "2000", KUAJIE_LOG_LEVEL: "warn" }, "kuajie-probe-");
  const start = site.launch();
  try {
    const creds = await start.ready();
    const health = creds.departments.find((d) => d.key === "health")!.gateway;
    for (const path of ["/healthz", "/metrics"]) {
      try {
        const r = await fetch(health + path, { signal: AbortSignal.timeout(10000) });
        const t = await r.text();
        console.log(path, r.status, t.slice(0, 300));
      } catch (e) { console.log(path, "ERR", e); }
    }
    console.log(fs.readFileSync(site.gatewayFiles("health").log, "utf8").slice(-3000));
  } finally {
    await start.stop().catch(() => 0);
    start.killGroup();
    site.remove();
  }
})();
