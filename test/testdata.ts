// The shared test vectors live beside the repo (../shared/testdata) and are read in place, never copied.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout: the nearest folder above this module with a package.json (this file also runs compiled, from dist/test/). */
export const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
})();
export const testdataRoot = resolve(repoRoot, "..", "shared", "testdata");

export function testdataPath(...parts: string[]): string {
  return join(testdataRoot, ...parts);
}

export function readTestdataJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(testdataPath(...parts), "utf8")) as T;
}

/** Every *.json file below a testdata folder, recursively, with its path relative to that folder. */
export function listTestdataJson(...parts: string[]): { rel: string; path: string }[] {
  const base = testdataPath(...parts);
  const out: { rel: string; path: string }[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) walk(p, r);
      else if (name.endsWith(".json")) out.push({ rel: r, path: p });
    }
  };
  walk(base, "");
  return out;
}
