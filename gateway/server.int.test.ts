// Listening: HTTPS from certificate files, and the listen-address parser.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { get } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openMemoryStore } from "../services/store/memory.js";
import { silentLogger } from "./ops/log.js";
import { parseListenAddress, publicUrlWarning, startGateway } from "./server.js";
import { storeLogSource } from "./tiles/log-source.js";

describe("gateway server", () => {
  it("serves HTTPS with the configured certificate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "labelreg-gw-tls-"));
    const [certFile, keyFile] = [join(dir, "cert.pem"), join(dir, "key.pem")];
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        keyFile,
        "-out",
        certFile,
      ],
      { stdio: "ignore" },
    );
    const store = openMemoryStore();
    const gw = await startGateway({
      address: "127.0.0.1:0",
      log: storeLogSource(store),
      tls: { certFile, keyFile },
      logger: silentLogger,
    });
    try {
      expect(gw.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const body = await new Promise<string>((resolve, reject) =>
        get(`${gw.url}/healthz`, { ca: readFileSync(certFile) }, (res) => {
          let s = "";
          res.on("data", (c: Buffer) => (s += c.toString()));
          res.on("end", () => resolve(s));
        }).on("error", reject),
      );
      expect(JSON.parse(body)).toEqual({ status: "ok", treeSize: 0 });
    } finally {
      await gw.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parses listen addresses", () => {
    expect(parseListenAddress("127.0.0.1:8080")).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(parseListenAddress("[::1]:0")).toEqual({ host: "::1", port: 0 });
    for (const bad of ["8080", "host:", "a b:1", "h:70000", "[::1]"])
      expect(() => parseListenAddress(bad)).toThrow(RangeError);
  });

  it("warns about QR codes only when others can reach the listener and no public URL is set", () => {
    for (const loop of ["127.0.0.1:8080", "127.1.2.3:80", "localhost:8080", "[::1]:8080"])
      expect(publicUrlWarning(loop, undefined)).toBeUndefined();
    for (const open of ["0.0.0.0:8080", "[::]:8080", "192.168.1.20:8080", "labels.example.cn:80"]) {
      expect(publicUrlWarning(open, undefined)).toMatch(
        /no --public-url: QR codes and printed labels will point at the listen address/,
      );
      expect(publicUrlWarning(open, "https://labels.example.cn")).toBeUndefined();
    }
  });

  it("says plainly that the address is in use, not EADDRINUSE", async () => {
    const store = openMemoryStore();
    const first = await startGateway({ address: "127.0.0.1:0", log: storeLogSource(store), logger: silentLogger });
    try {
      const address = `127.0.0.1:${first.port}`;
      await expect(startGateway({ address, log: storeLogSource(store), logger: silentLogger })).rejects.toThrow(
        `cannot listen for HTTP on ${address}: the address is already in use (another registry or gateway running? --http chooses another address)`,
      );
    } finally {
      await first.close();
      await store.close();
    }
  });
});
