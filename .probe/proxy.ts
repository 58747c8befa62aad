import http from "node:http";
import { StallProxy } from "../test/faults/support/stall-proxy";
import { freePorts } from "../scripts/harness";
(async () => {
  const [a, b] = await freePorts(2);
  const server = http.createServer((req, res) => { let body=""; req.on("data", (c) => body += c); req.on("end", () => res.status ? 0 : (res.statusCode = 200, res.setHeader("content-type","application/json"), res.end(JSON.stringify({ data: [{x: "y".repeat(200)}], response: { requestId: "0xAB" } })))); });
  await new Promise<void>((r) => server.listen(b, "127.0.0.1", () => r()));
  const proxy = new StallProxy(a, b);
  await proxy.listen();
  const post = async (ms: number) => { try { const r = await fetch(`http://127.0.0.1:${a}/x`, { method: "POST", body: "{}", signal: AbortSignal.timeout(ms) }); return `${r.status} ${(await r.text()).length}`; } catch (e) { return `ERR ${(e as Error).name}`; } };
  console.log("pass", await post(2000), await post(2000));
  proxy.stall();
  console.log("stall", await post(1000), await post(1000));
  proxy.release();
  console.log("after", await post(2000), JSON.stringify(proxy.stalled));
  await proxy.close(); server.close();
})();
