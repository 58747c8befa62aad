import fs from "node:fs";
import path from "node:path";
import express, { Router } from "express";
import helmet from "helmet";
import { ConsoleBundler } from "./bundle";

/**
 * Where the console's pages are: the repository's top-level `console/` folder (plain HTML, CSS, ES modules and
 * message files, served as they are). Found by walking up from this module, so that the gateway finds it both from
 * its sources (server/src/…) and from its compiled JavaScript (dist/gateway/server/src/…).
 */
export function findConsoleDir(from: string = __dirname): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "console");
    if (fs.existsSync(path.join(candidate, "index.html")) && fs.existsSync(path.join(dir, "package.json"))) {
      return candidate;
    }
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * The third-party files the pages load, served from node_modules (no CDN). ECharts' ES module build runs under the
 * policy below: it needs no eval, and the charts are drawn with its SVG renderer.
 */
const VENDOR: Readonly<Record<string, string>> = {
  "echarts.js": require.resolve("echarts/dist/echarts.esm.min.mjs"),
};

/**
 * `GET /console/…`: the static pages, under a Content-Security-Policy stricter than the API's: scripts, styles,
 * images and requests from this origin only, nothing inline, no framing, forms posting nowhere else.
 */
export function consoleStaticRouter(dir: string, bundler: ConsoleBundler = new ConsoleBundler(dir)): Router {
  const router = Router();
  router.use(
    "/console",
    (req, res, next) => {
      res.locals.routeTemplate = "/console/*";
      if (req.originalUrl === "/console") return res.redirect(301, "/console/");
      next();
    },
    helmet.contentSecurityPolicy({
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    }),
    async (req, res, next) => {
      if (req.method !== "GET" && req.method !== "HEAD") return next();
      // The app sends no validators (app.ts); these two files carry their own, so that a load revalidates them.
      if (req.path === "/" || req.path === "/index.html") {
        const index = await bundler.index();
        res.set({ "cache-control": "no-cache", etag: `"${index.digest}"` }).type("html");
        if (req.fresh) res.status(304).end();
        else res.send(index.text);
        return;
      }
      const bundle = bundler.bundleAt(req.path);
      if (bundle === null) return next();
      res.set({ "cache-control": "public, max-age=31536000, immutable", etag: `"${bundle.digest}"` });
      if (req.fresh) res.status(304).end();
      else res.type("text/javascript").send(bundle.code);
    },
    // index.html is the handler's above (it names the bundle); the rest of the folder as it is.
    express.static(dir, { index: false, fallthrough: true, redirect: false }),
  );
  for (const [file, location] of Object.entries(VENDOR)) {
    router.get(`/console/vendor/${file}`, (_req, res) => res.sendFile(location));
  }
  return router;
}
