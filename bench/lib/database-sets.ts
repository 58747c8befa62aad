/**
 * Named sets of the stopped gateways' SQLite files (the database, its WAL and shared memory), swapped in place by
 * renaming, so that the same gateway processes' configuration can be started on one indexed state and then another:
 * the scale-replay part alternates the 10^3 and the 10^6 databases to measure both under the same machine load.
 */
import fs from "node:fs";

const SUFFIXES = ["", "-wal", "-shm"] as const;

export class DatabaseSets {
  private current: string;

  /** `files`: each gateway's database path; `current`: the name of the set they hold now. */
  constructor(
    private readonly files: readonly string[],
    current: string,
  ) {
    this.current = current;
  }

  /** Copies the set in place (the gateways stopped) under `name`, leaving it in place. */
  copyAs(name: string): void {
    for (const file of this.files) {
      for (const suffix of SUFFIXES) {
        if (fs.existsSync(file + suffix)) fs.copyFileSync(file + suffix, this.stored(file, name) + suffix);
      }
    }
  }

  /** Puts the set `name` in place (the gateways stopped), keeping the one it replaces under its own name. */
  use(name: string): void {
    if (name === this.current) return;
    const missing = this.files.find((file) => !fs.existsSync(this.stored(file, name)));
    if (missing !== undefined) throw new Error(`no database set "${name}" for ${missing}`);
    for (const file of this.files) {
      for (const suffix of SUFFIXES) {
        if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, this.stored(file, this.current) + suffix);
      }
      for (const suffix of SUFFIXES) {
        if (fs.existsSync(this.stored(file, name) + suffix))
          fs.renameSync(this.stored(file, name) + suffix, file + suffix);
      }
    }
    this.current = name;
  }

  private stored(file: string, name: string): string {
    return `${file}.${name}`;
  }
}
