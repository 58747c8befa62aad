import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { consolePageRegistry, pageLoads } from "../../bench/lib/console-pages";

const MAIN_JS = `import * as inbox from "./pages/inbox.js";

const PAGES = {
  inbox: { page: inbox, roles: ["operator", "council"] },
  // a comment between entries
  agreement: { page: agreement, roles: ["operator", "council", "auditor"], hidden: true },
  "exchange-check": { page: exchangeCheck, roles: ["auditor"], label: "exchangeCheck.nav" },
};

let session = null;
`;

describe("the console bench's page registry and figures", function () {
  it("reads every page of the registry in order, with its roles and whether it is hidden", function () {
    expect(consolePageRegistry(MAIN_JS)).to.deep.equal([
      { name: "inbox", roles: ["operator", "council"], hidden: false },
      { name: "agreement", roles: ["operator", "council", "auditor"], hidden: true },
      { name: "exchange-check", roles: ["auditor"], hidden: false },
    ]);
  });

  it("refuses a source without a registry, or an entry without roles", function () {
    expect(() => consolePageRegistry("const pages = {};")).to.throw(/no `const PAGES/);
    expect(() => consolePageRegistry("const PAGES = {\n  inbox: { page: inbox },\n};")).to.throw(
      /page inbox names no roles/,
    );
  });

  it("reads the console's own registry: every page module main.js imports has an entry", function () {
    const source = fs.readFileSync(path.resolve(__dirname, "../../console/js/main.js"), "utf8");
    const imported = [...source.matchAll(/import \* as \w+ from "\.\/pages\/([\w-]+)\.js"/g)].map(([, file]) => file);
    const names = consolePageRegistry(source).map((p) => p.name);
    // signin is the page before a session, not one a role navigates to.
    expect(names).to.have.lengthOf(imported.length - 1);
    expect(names).to.include.members(["inbox", "agreement", "council", "scorecard", "exchange-check"]);
  });

  it("gives the p50 and the max of a page's loads, keeping the samples in order", function () {
    expect(pageLoads([120.04, 80, 300.26, 95])).to.deep.equal({
      p50_ms: 95,
      max_ms: 300.3,
      samples_ms: [120, 80, 300.3, 95],
    });
    expect(pageLoads([42])).to.deep.equal({ p50_ms: 42, max_ms: 42, samples_ms: [42] });
    expect(() => pageLoads([])).to.throw(/no page load/);
  });
});
