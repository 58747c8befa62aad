import type { OpenApiDocument } from "./openapi";

/**
 * The API reference at /docs: one self-contained HTML page (no scripts, no CDN) rendered on the server from the
 * generated OpenAPI document, so it can never disagree with /openapi.json.
 */

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

function anchor(text: string): string {
  return text
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase();
}

/** Pretty JSON with component references turned into links to their section. */
function schemaBlock(schema: unknown): string {
  const html = escapeHtml(JSON.stringify(schema, null, 2));
  return `<pre>${html.replace(
    /&quot;#\/components\/schemas\/([A-Za-z0-9_.-]+)&quot;/g,
    (_m, name: string) => `<a href="#schema-${anchor(name)}">&quot;#/components/schemas/${name}&quot;</a>`,
  )}</pre>`;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: unknown;
}

interface MediaType {
  schema?: unknown;
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, MediaType> };
  responses?: Record<string, { description?: string; content?: Record<string, MediaType> }>;
  "x-kuajie-auth"?: string;
  "x-kuajie-read-only"?: boolean;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function renderOperation(method: string, path: string, op: Operation): string {
  const parts: string[] = [];
  const id = anchor(`${method} ${path}`);
  parts.push(
    `<section class="op" id="${id}"><h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>`,
  );
  if (op.summary) parts.push(`<p class="summary">${escapeHtml(op.summary)}</p>`);
  if (op.description) parts.push(`<p>${escapeHtml(op.description)}</p>`);
  const auth = op["x-kuajie-auth"] ?? "any";
  parts.push(
    `<p class="auth">Authentication: <strong>${auth === "none" ? "none" : auth === "any" ? "bearer token, any role" : `bearer token, role ${escapeHtml(auth)}`}</strong>${
      op["x-kuajie-read-only"] ? " (changes nothing; auditors may call it)" : ""
    }</p>`,
  );
  if (op.parameters && op.parameters.length > 0) {
    parts.push(
      "<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th><th>description</th></tr>",
    );
    for (const p of op.parameters) {
      parts.push(
        `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required ? "yes" : "no"}</td>` +
          `<td><code>${escapeHtml(JSON.stringify(p.schema ?? {}))}</code></td><td>${escapeHtml(p.description ?? "")}</td></tr>`,
      );
    }
    parts.push("</table>");
  }
  const body = op.requestBody?.content?.["application/json"]?.schema;
  if (body !== undefined) parts.push(`<h4>Request body (application/json)</h4>${schemaBlock(body)}`);
  parts.push("<h4>Responses</h4><dl>");
  for (const [status, response] of Object.entries(op.responses ?? {})) {
    parts.push(`<dt>${escapeHtml(status)}</dt><dd>${escapeHtml(response.description ?? "")}`);
    for (const [type, media] of Object.entries(response.content ?? {})) {
      const isProblem = type === "application/problem+json";
      parts.push(`<div class="media">${escapeHtml(type)}</div>`);
      if (!isProblem && media.schema !== undefined) parts.push(schemaBlock(media.schema));
    }
    parts.push("</dd>");
  }
  parts.push("</dl></section>");
  return parts.join("\n");
}

export function renderDocsPage(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  const toc = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? "other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), renderOperation(method, path, op)]);
      toc.set(tag, [
        ...(toc.get(tag) ?? []),
        `<li><a href="#${anchor(`${method} ${path}`)}"><span class="method ${method}">${method.toUpperCase()}</span> ${escapeHtml(path)}</a></li>`,
      ]);
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(
      ([name, schema]) =>
        `<section id="schema-${anchor(name)}"><h3>${escapeHtml(name)}</h3>${schemaBlock(schema)}</section>`,
    )
    .join("\n");
  const title = escapeHtml(doc.info.title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — API reference</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;display:flex;color:#1d2330}
nav{width:300px;flex:none;height:100vh;overflow:auto;position:sticky;top:0;background:#f4f6fa;padding:1rem;box-sizing:border-box;font-size:.85rem}
nav ul{list-style:none;padding-left:0}nav li{margin:.2rem 0}nav a{text-decoration:none;color:#1d2330}
main{flex:1;min-width:0;box-sizing:border-box;padding:1.5rem 2rem;max-width:1100px}
.op{border-top:1px solid #dde2ea;padding:.5rem 0 1rem}
.method{display:inline-block;min-width:3.6rem;text-align:center;border-radius:4px;color:#fff;font-size:.75rem;font-weight:600;padding:.1rem .3rem}
.get{background:#2f7d4f}.post{background:#2a5fb4}.put,.patch{background:#a0641c}.delete{background:#b3322c}
pre{background:#f7f8fb;border:1px solid #e3e7ee;padding:.6rem;overflow:auto;font-size:.8rem}
table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #dde2ea;padding:.25rem .5rem;text-align:left}
dt{font-weight:600;margin-top:.4rem}.media{color:#5a6578;font-size:.8rem}.summary{font-size:1.05rem}
</style></head>
<body><nav><h2>${title}</h2><p>version ${escapeHtml(doc.info.version)} · <a href="/openapi.json">openapi.json</a></p>
${[...toc.entries()].map(([tag, items]) => `<h3>${escapeHtml(tag)}</h3><ul>${items.join("")}</ul>`).join("\n")}
<h3><a href="#schemas">Schemas</a></h3></nav>
<main><h1>${title}</h1>${doc.info.description ? `<p>${escapeHtml(doc.info.description)}</p>` : ""}
${[...byTag.entries()].map(([tag, ops]) => `<h2 id="tag-${anchor(tag)}">${escapeHtml(tag)}</h2>\n${ops.join("\n")}`).join("\n")}
<h2 id="schemas">Schemas</h2>${schemas}
</main></body></html>`;
}
