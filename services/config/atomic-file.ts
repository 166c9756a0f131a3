// Small files that must never be seen half-written (keys, the published-size record): written
// to a temporary file in the same directory, fsynced, moved into place, and the directory
// fsynced so the new name survives a crash too. A crash or a full disk leaves either the old
// file, no file, or the new one; never an empty or truncated one.
import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";

export interface AtomicWriteOptions {
  /** File mode of the new file (default 0600). */
  readonly mode?: number;
  /** Refuse (EEXIST) when the file already exists instead of replacing it. */
  readonly exclusive?: boolean;
}

/** Writes `data` to `path` atomically and durably (see above). */
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(tmp, "wx", opts.mode ?? 0o600);
  try {
    try {
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // link() refuses an existing name where rename() would replace it.
    if (opts.exclusive) linkSync(tmp, path);
    else renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  fsyncDir(dir);
}

/** Makes the directory entries of `dir` durable (created and renamed names). */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return; // Some platforms cannot open a directory; nothing more can be done there.
  }
  try {
    fsyncSync(fd);
  } catch {
    // Directory fsync is unsupported on some filesystems; the rename itself is still atomic.
  } finally {
    closeSync(fd);
  }
}

/** As writeFileAtomic (replacing), without blocking the event loop: for files rewritten while serving. */
export async function writeFileAtomicAsync(path: string, data: string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const file = await open(tmp, "wx", mode);
  try {
    try {
      await file.writeFile(data, "utf8");
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  const d = await open(dir, "r").catch(() => undefined);
  if (d)
    await d
      .sync()
      .catch(() => undefined)
      .finally(() => d.close());
}
