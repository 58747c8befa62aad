import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { build as esbuild, stop as stopEsbuild } from "esbuild";

/** The page's one module script, as index.html names it; a bundled page names the bundle there instead. */
const ENTRY_TAG = '<script type="module" src="js/main.js"></script>';
/** The bundle's path under /console/, its name the first 16 hex digits of its content's SHA-256. */
const BUNDLE_PATH = /^\/js\/main\.([0-9a-f]{16})\.js$/;
/** Bundles kept for pages loaded before a rebuild (a page that asked for index.html asks for its bundle next). */
const KEPT = 4;

/** A file as served, with the first 16 hex digits of its content's SHA-256 (its ETag; the bundle's name too). */
interface Served {
  digest: string;
}

type Bundle = Served & { code: string };

interface Build {
  /** What the sources looked like (paths, sizes, modification times) when this was built. */
  stamp: string;
  index: Served & { text: string };
  bundle: (Bundle & { name: string }) | null;
}

/** esbuild's builds under way in this process, over every bundler: its process is stopped when none is left. */
let esbuildRunning = 0;

async function bundleWithEsbuild(entry: string): Promise<string> {
  esbuildRunning += 1;
  try {
    const result = await esbuild({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      target: "es2022",
      write: false,
      logLevel: "silent",
      // Loaded by the page that needs it, from where the gateway serves it (node_modules), not bundled.
      external: ["/console/vendor/*"],
    });
    return result.outputFiles[0].text;
  } finally {
    esbuildRunning -= 1;
    if (esbuildRunning === 0) void stopEsbuild();
  }
}

function digestOf(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/**
 * The console's ES modules as one file, so that a page load asks for one script instead of walking main.js's imports
 * level by level and revalidating each of them (27 requests, three levels deep). The bundle's name carries a digest
 * of its content, so browsers may keep it for good (`immutable`) and a changed console gets a new name; index.html,
 * which names it, is revalidated on every load. Built with esbuild from the files as they are on disk, again whenever
 * one of them changed (checked at each index.html, a few dozen stats), so that an edited page shows on the next load
 * as with the plain files. The modules themselves stay served as they are; if the bundle cannot be built, index.html
 * is served unchanged and the page loads them one by one.
 *
 * A build runs in esbuild's own process, not on the event loop (bundling there held it for about 50 ms): the page
 * that asked waits for it, the fetches beside it do not; pages asking during a build wait for that build rather than
 * start another. esbuild's process is stopped once no build is under way, so a gateway keeps no second process for
 * its console. Nothing is built before the first page asks (a gateway whose console nobody opens builds nothing).
 */
export class ConsoleBundler {
  private build: Build | null = null;
  /** The build under way, and the sources' stamp it builds from. */
  private building: { stamp: string; done: Promise<Build> } | null = null;
  private readonly bundles = new Map<string, Bundle>();

  constructor(
    private readonly dir: string,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** index.html as it should be served now: naming the current bundle, or unchanged when there is none. */
  async index(): Promise<Build["index"]> {
    return (await this.current()).index;
  }

  /** The bundle a path under /console/ names (`/js/main.<digest>.js`), if it is one built here and still kept. */
  bundleAt(pathname: string): Bundle | null {
    const match = BUNDLE_PATH.exec(pathname);
    return match ? (this.bundles.get(match[1]) ?? null) : null;
  }

  private current(): Promise<Build> {
    const stamp = this.stamp();
    if (this.build?.stamp === stamp) return Promise.resolve(this.build);
    if (this.building?.stamp === stamp) return this.building.done;
    const done = this.make(stamp).then(
      (made) => {
        // A build overtaken by a later change answers its own callers; only the latest becomes the current one.
        if (this.building?.done !== done) return made;
        this.building = null;
        this.build = made;
        return made;
      },
      (error: unknown) => {
        if (this.building?.done === done) this.building = null;
        throw error;
      },
    );
    this.building = { stamp, done };
    return done;
  }

  private async make(stamp: string): Promise<Build> {
    const html = fs.readFileSync(path.join(this.dir, "index.html"), "utf8");
    const bundle = html.includes(ENTRY_TAG) ? await this.bundle() : null;
    const text = bundle ? html.replace(ENTRY_TAG, ENTRY_TAG.replace("js/main.js", `js/${bundle.name}`)) : html;
    return { stamp, index: { text, digest: digestOf(text) }, bundle };
  }

  private async bundle(): Promise<Build["bundle"]> {
    let code: string;
    try {
      code = await bundleWithEsbuild(path.join(this.dir, "js/main.js"));
    } catch (error) {
      this.onError(error);
      return null;
    }
    const digest = digestOf(code);
    this.bundles.delete(digest);
    this.bundles.set(digest, { digest, code });
    for (const old of this.bundles.keys()) if (this.bundles.size > KEPT) this.bundles.delete(old);
    return { name: `main.${digest}.js`, digest, code };
  }

  /** Every file of the console's modules and index.html, with its size and modification time. */
  private stamp(): string {
    const parts: string[] = [];
    const walk = (relative: string): void => {
      for (const entry of fs.readdirSync(path.join(this.dir, relative), { withFileTypes: true })) {
        const name = path.join(relative, entry.name);
        if (entry.isDirectory()) walk(name);
        else {
          const stat = fs.statSync(path.join(this.dir, name));
          parts.push(`${name}:${stat.size}:${stat.mtimeMs}`);
        }
      }
    };
    walk("js");
    const index = fs.statSync(path.join(this.dir, "index.html"));
    parts.push(`index.html:${index.size}:${index.mtimeMs}`);
    return parts.join("\n");
  }
}
