// Starting a worker thread on a typed module of this code base. A worker gets no module loader
// from its parent, so when this file runs as TypeScript (tsx, vitest) the
// worker first registers tsx's loader and then imports the module; compiled to JavaScript it
// imports the module directly. The string below is only that bootstrap: the worker's code is the
// module named by `url`, type-checked like the rest.
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * A worker running the module at `url` (a .ts file beside the caller: pass
 * `new URL("./x.ts", import.meta.url)`; its .js sibling is taken when the caller was compiled).
 * A module that fails to load exits the worker with code 1 (the pool sees "exit").
 */
export function startWorker(url: URL, options: Omit<WorkerOptions, "eval"> = {}): Worker {
  const ts = import.meta.url.endsWith(".ts");
  const target = ts ? url.href : url.href.replace(/\.ts$/, ".js");
  const load = ts
    ? `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`
    : `import(${JSON.stringify(target)})`;
  return new Worker(`${load}.catch((e) => { console.error(e); process.exit(1); });`, { ...options, eval: true });
}
