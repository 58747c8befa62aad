import { expect } from "chai";
import { FONT_STACK, toHtml } from "../../../scripts/audit/render/html";
import { toMarkdown } from "../../../scripts/audit/render/markdown";
import type { AuditReport } from "../../../scripts/audit/render/model";

const report: AuditReport = {
  command: "report",
  title: "Supervision scorecard, deployment – 2026-11-30T00:00:00Z",
  chain: {
    rpc: "http://127.0.0.1:8545",
    chainId: 31337,
    block: 20,
    blockTime: "2026-11-30T00:00:00Z",
    deploymentFile: "d.json",
  },
  summary: [
    ["period", "deployment – 2026-11-30T00:00:00Z"],
    ["departments", 2],
  ],
  violations: [],
  sections: [
    {
      heading: "Departments, ranked: answering requests",
      table: {
        columns: ["rank", "department", "escalations against it (as provider)"],
        rows: [
          [1, "广州市民政局 (Guangzhou Civil Affairs Bureau)", 0],
          [2, "Guangdong Health Commission", 1],
        ],
      },
    },
  ],
  data: {},
};

/** Every header row of every table, as the text of its cells. */
function headerRows(html: string): string[][] {
  return [...html.matchAll(/<thead>([\s\S]*?)<\/thead>/g)].flatMap((m) =>
    [...m[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
      [...row[1].matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((cell) => cell[1].replace(/<[^>]+>/g, "").trim()),
    ),
  );
}

describe("audit report as HTML: laid out for a laptop screen and A4, in Chinese and English", function () {
  const html = toHtml(report);

  it("has no header row or header cell without text (the summary is a two-column list of named rows)", function () {
    const rows = headerRows(html);
    expect(rows).to.deep.equal([["rank", "department", "escalations against it (as provider)"]]);
    expect(html).not.to.match(/<th[^>]*>\s*<\/th>/);
    expect(html).to.match(/<table class="summary"><tbody>\s*<tr><th scope="row">period<\/th><td>deployment/);
  });

  it("names PingFang, YaHei, Noto Sans CJK SC and then the generic family, and marks Chinese text as such", function () {
    const fonts = FONT_STACK.split(",").map((f) => f.trim().replace(/"/g, ""));
    expect(fonts.at(-1)).to.equal("sans-serif");
    const at = (name: string) => fonts.indexOf(name);
    expect(at("Noto Sans CJK SC")).to.be.greaterThan(Math.max(at("PingFang SC"), at("Microsoft YaHei")));
    expect(at("PingFang SC")).to.be.greaterThan(-1);
    expect(html).to.include(`font:15px/1.5 ${FONT_STACK}`);
    expect(html).to.include('<span lang="zh-Hans">广州市民政局 (Guangzhou Civil Affairs Bureau)</span>');
    expect(html).to.include("<td>Guangdong Health Commission</td>");
  });

  it("prints on A4 with the table headers repeated on every page", function () {
    expect(html).to.include("@page{size:A4;");
    expect(html).to.match(/@media print\{[^]*thead\{display:table-header-group\}/);
  });

  it("writes the Markdown summary as a list, not a table with an empty header row", function () {
    const md = toMarkdown(report);
    expect(md).to.include("- period: deployment – 2026-11-30T00:00:00Z\n- departments: 2\n");
    expect(md).not.to.match(/^\|\s*\|\s*\|$/m);
  });
});
