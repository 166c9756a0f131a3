// The servers bench/gateway.bench.ts loads, in their own process so the load generator does not
// share their event loop: the gateway inside a real registry (memory store, 300+ labels, so
// there is a full tile), and a bare node:http server answering the same full tile's bytes from
// memory with the same headers. Optionally writes the tile to a directory for nginx.
//
//   node dist/bench/gateway-target.js [dir-for-static-files]
//
// Prints one JSON line {gateway, bare, labelId} once both listen.
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fromUtf8 } from "../log/bytes.js";
import { openFixture } from "../test/gateway/registry-fixture.js";

const staticDir = process.argv[2];
const fx = await openFixture(300);
const tile = (await fx.registry.view.store.readTile(0, 0))!;
if (tile.width !== 256) throw new Error("bench: expected a full tile 0/000");
const headers = {
  "content-type": "application/octet-stream",
  "cache-control": "public, max-age=31536000, immutable",
  "content-length": tile.data.length,
};
const bare = createServer((req, res) => {
  if (req.url === "/tile/0/000") {
    res.writeHead(200, headers);
    res.end(tile.data);
  } else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise<void>((r) => bare.listen(0, "127.0.0.1", r));
if (staticDir) {
  mkdirSync(`${staticDir}/tile/0`, { recursive: true });
  writeFileSync(`${staticDir}/tile/0/000`, tile.data);
  writeFileSync(`${staticDir}/checkpoint`, fx.registry.view.checkpoint);
}
process.stdout.write(
  `${JSON.stringify({ gateway: fx.gw.url, bare: `http://127.0.0.1:${(bare.address() as AddressInfo).port}`, labelId: "CCRC-1", treeSize: fx.registry.view.size, checkpointBytes: fromUtf8(new TextEncoder().encode(fx.registry.view.checkpoint)).length })}\n`,
);
process.on("SIGTERM", () => {
  bare.close();
  void fx.close().then(() => process.exit(0));
});
