import path from "node:path";
import { Router } from "express";

/**
 * The API reference at /docs: Swagger UI (swagger-ui-dist, from npm) rendering this gateway's /openapi.json. Every
 * file is served by the gateway itself, so the page works offline and under helmet's default Content-Security-Policy
 * (`script-src 'self'`): no CDN, no inline script; the start-up call lives in its own file.
 */

const SWAGGER_UI_DIR = path.dirname(require.resolve("swagger-ui-dist/package.json"));

/** The only files of the distribution the page needs (its index.html would load the Petstore demo). */
const ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css",
  "swagger-ui-bundle.js": "text/javascript",
  "favicon-32x32.png": "image/png",
  "favicon-16x16.png": "image/png",
};

const DOCS_ASSETS_PATH = "/docs/assets";

/**
 * `validatorUrl: null` keeps Swagger UI from sending the document to its public validator; `tryItOutEnabled: false`
 * leaves "Try it out" one click away, since every write here is a transaction on the chain.
 */
const START_SCRIPT = `"use strict";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: false,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
});
`;

function page(title: string): string {
  const escaped = title.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escaped} — API reference</title>
<link rel="stylesheet" href="${DOCS_ASSETS_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" sizes="32x32" href="${DOCS_ASSETS_PATH}/favicon-32x32.png">
<link rel="icon" type="image/png" sizes="16x16" href="${DOCS_ASSETS_PATH}/favicon-16x16.png">
</head>
<body>
<noscript>The reference needs JavaScript; the description itself is <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="${DOCS_ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="${DOCS_ASSETS_PATH}/start.js"></script>
</body>
</html>
`;
}

/** GET /docs (the page), /docs/assets/start.js and Swagger UI's own files. */
export function docsRouter(options: { title: string }): Router {
  const router = Router();
  const html = page(options.title);
  router.get("/docs", (_req, res) => {
    res.locals.routeTemplate = "/docs";
    res.type("html").send(html);
  });
  router.get(`${DOCS_ASSETS_PATH}/start.js`, (_req, res) => {
    res.locals.routeTemplate = `${DOCS_ASSETS_PATH}/start.js`;
    res.type("text/javascript").send(START_SCRIPT);
  });
  router.get(`${DOCS_ASSETS_PATH}/:file`, (req, res, next) => {
    const type = Object.hasOwn(ASSETS, req.params.file) ? ASSETS[req.params.file] : undefined;
    if (!type) return next();
    res.locals.routeTemplate = `${DOCS_ASSETS_PATH}/:file`;
    res.type(type).sendFile(path.join(SWAGGER_UI_DIR, req.params.file), { maxAge: "1d" });
  });
  return router;
}
