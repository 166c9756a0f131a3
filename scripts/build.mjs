// The production build: generated protobuf code (buf), TypeScript compiled to plain JavaScript in
// dist/ (tsc), the .proto files the gRPC reflection service reads, and the in-browser verifier
// bundled by esbuild. dist/ then runs on Node and the production dependencies alone.
//
//   node scripts/build.mjs              build (npm run build)
//   node scripts/build.mjs --if-stale   build only when dist/ was not built from the sources as
//                                       they are now (npm start, npm test, the benchmarks)
//   node scripts/build.mjs --prepare    as --if-stale, but skip quietly without the build tools
//                                       (npm ci --omit=dev runs `prepare` with no devDependencies)
//
// "As they are now" is a digest of every build input, kept in dist/.build-inputs: comparing it
// costs a few milliseconds, and unlike file times it survives a copy or a fresh checkout. Builds
// started at once (test files in parallel workers) take turns, and the later ones find dist fresh.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const stampFile = join(dist, ".build-inputs");
// The folders tsconfig.build.json compiles (proto/gen is derived from the .proto files and the
// lock file, so those stand for it: a production checkout need not have it).
const SOURCE_DIRS = ["log", "services", "gateway", "app", "proto", "test", "bench"];
const INPUT_FILES = ["tsconfig.json", "tsconfig.build.json", "buf.gen.yaml", "package-lock.json", "scripts/build.mjs"];

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "node_modules" && p !== join(root, "proto", "gen")) walk(p, out);
    } else out.push(p);
  }
  return out;
}

const isSource = (p) => (p.endsWith(".ts") && !p.endsWith(".test.ts")) || p.endsWith(".proto");

function inputsDigest() {
  const files = [
    ...SOURCE_DIRS.flatMap((d) => walk(join(root, d)).filter(isSource)),
    ...INPUT_FILES.map((f) => join(root, f)),
  ]
    .map((p) => relative(root, p))
    .sort();
  const h = createHash("sha256");
  for (const f of files)
    h.update(`${f}\0`)
      .update(readFileSync(join(root, f)))
      .update("\0");
  return h.digest("hex");
}

function toolsInstalled() {
  const require = createRequire(join(root, "package.json"));
  try {
    for (const m of ["typescript", "esbuild", "@bufbuild/buf"]) require.resolve(`${m}/package.json`);
    return true;
  } catch {
    return false;
  }
}

// buf finds its protoc-gen-ts_proto plugin on PATH, as under npm run.
const env = { ...process.env, PATH: `${join(root, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}` };
class StepFailed extends Error {}
function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env });
  if (r.status !== 0)
    throw new StepFailed(
      `build: \`${cmd} ${args.join(" ")}\` failed (${r.error?.message ?? r.signal ?? `exit ${r.status}`})`,
    );
}

/** Removes compiled files whose TypeScript source is gone (tsc builds incrementally into dist/). */
function pruneOrphans() {
  if (!existsSync(dist)) return;
  for (const p of walk(dist)) {
    if (!p.endsWith(".js")) continue;
    const source = join(root, relative(dist, p)).replace(/\.js$/, ".ts");
    if (!existsSync(source) && !p.endsWith(".bundle.js")) rmSync(p);
  }
}

async function build(digest) {
  const started = Date.now();
  rmSync(stampFile, { force: true });
  run("buf", ["generate"]);
  pruneOrphans();
  run("tsc", ["-p", "tsconfig.build.json"]);
  for (const f of walk(join(root, "proto")).filter((p) => p.endsWith(".proto"))) {
    const to = join(dist, relative(root, f));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(f, to);
  }
  const { bundleVerifier, VERIFIER_BUNDLE_FILE } = await import(
    pathToFileURL(join(dist, "gateway", "verifier", "build.js")).href
  );
  writeFileSync(
    join(dist, "gateway", "verifier", VERIFIER_BUNDLE_FILE),
    await bundleVerifier(join(root, "gateway", "verifier", "browser.ts")),
  );
  writeFileSync(stampFile, `${digest}\n`);
  console.error(`build: dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Runs `f` holding dist/.lock, a directory (mkdir is atomic); one left by a killed build expires. */
async function withLock(f) {
  mkdirSync(dist, { recursive: true });
  const lock = join(dist, ".lock");
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await f();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const isFresh = (digest) => existsSync(stampFile) && readFileSync(stampFile, "utf8").trim() === digest;

const mode = process.argv[2];
if (mode !== undefined && mode !== "--if-stale" && mode !== "--prepare") {
  console.error(`usage: node scripts/build.mjs [--if-stale | --prepare]`);
  process.exit(2);
}
const digest = inputsDigest();
if (mode !== undefined && isFresh(digest)) process.exit(0);
if (!toolsInstalled()) {
  if (mode === "--prepare") process.exit(0);
  console.error(
    existsSync(stampFile) || statSync(dist, { throwIfNoEntry: false })
      ? "build: dist/ was built from other sources than these, and the build tools (devDependencies) are not installed: run `npm ci` and `npm run build`, then `npm ci --omit=dev` if you want them gone"
      : "build: dist/ is missing and the build tools (devDependencies) are not installed: run `npm ci` (it builds), then `npm ci --omit=dev` if you want them gone",
  );
  process.exit(1);
}
try {
  await withLock(async () => {
    if (mode === undefined || !isFresh(digest)) await build(digest);
  });
} catch (e) {
  if (!(e instanceof StepFailed)) throw e;
  console.error(e.message);
  process.exit(1);
}
