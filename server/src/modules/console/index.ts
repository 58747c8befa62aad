import { SessionService } from "../auth/sessions";
import { TokenService } from "../auth/service";
import type { Feature } from "../feature";
import { SessionStore } from "../../store/sessions";
import { TokenStore } from "../../store/tokens";
import { registerConsoleRoutes } from "./routes";
import { ConsoleBundler } from "./bundle";
import { consoleStaticRouter, findConsoleDir } from "./static";

/**
 * The web console at `/console/`: the pages (static files, the repository's `console/` folder) and the session
 * they sign in with. The pages call the same API as any client; the session cookie authenticates them through the
 * auth middleware, like a bearer token.
 */
export const consoleFeature: Feature = (ctx) => {
  const sessions = new SessionService(new SessionStore(ctx.db), new TokenService(new TokenStore(ctx.db)));
  const dir = findConsoleDir();
  if (dir === null) ctx.logger.warn("the console's pages (console/index.html) were not found: /console/ is off");
  return (registry) => {
    registerConsoleRoutes(registry, sessions, ctx.departments);
    if (dir === null) return;
    const bundler = new ConsoleBundler(dir, (error) =>
      ctx.logger.warn({ err: error }, "the console's modules could not be bundled: the pages load them one by one"),
    );
    registry.router.use(consoleStaticRouter(dir, bundler));
  };
};
