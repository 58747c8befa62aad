import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../errors";
import { toHtml } from "./html";
import { toMarkdown } from "./markdown";

export { toText } from "./text";
export { toJson, type AuditReport } from "./model";

/** The renderer an `--out` file's extension asks for. */
export function rendererFor(file: string) {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".md") return toMarkdown;
  if (ext === ".html" || ext === ".htm") return toHtml;
  throw new UsageError(`--out ${file}: the report file must end in .md or .html`);
}

export function writeReportFile(file: string, content: string): void {
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, content);
  } catch (error) {
    throw new UsageError(
      `cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? "error"}): pass another --out`,
    );
  }
}
