// Key files: written whole or not at all (a full disk during the first start must not leave an
// empty log.key behind), and a private key never echoed where a verifier key was expected.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { generateSignerKey } from "../../log/note-keys.js";
import { KeyFileError, loadOrCreateSignerKey, readSignerKeyFile, readVerifierKey } from "./key-files.js";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "labelreg-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writing key files", () => {
  it("out of space while creating a key leaves no key file and no temporary file; the next start makes a good key", async () => {
    const keyDir = join(dir, "full");
    const path = join(keyDir, "log.key");
    const script = join(dir, "create-key.ts");
    writeFileSync(
      script,
      `import { loadOrCreateSignerKey } from ${JSON.stringify(resolve("services/config/key-files.ts"))};\nloadOrCreateSignerKey(process.argv[2]!, "test.example/log");\n`,
    );
    // A file size limit of 0 makes every write fail (EFBIG) as a full disk would (ENOSPC).
    const failed = await run(
      "sh",
      ["-c", `trap "" XFSZ; ulimit -f 0; exec "${process.execPath}" --import tsx "${script}" "${path}"`],
      { encoding: "utf8" },
    ).then(
      () => "",
      (e: { stderr: string }) => e.stderr,
    );
    expect(failed).toContain("EFBIG");
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(keyDir)).toEqual([]);
    const { signer, created } = loadOrCreateSignerKey(path, "test.example/log");
    expect(created).toBe(true);
    expect(readSignerKeyFile(path).verifierKey).toBe(signer.verifierKey);
  });

  it("an empty key file is named as such", () => {
    const path = join(dir, "empty.key");
    writeFileSync(path, "\n", { mode: 0o600 });
    expect(() => readSignerKeyFile(path)).toThrow(/the key file is empty/);
  });
});

describe("private keys are never echoed", () => {
  const { signerKey, verifierKey } = generateSignerKey("test.example/log");
  // PRIVATE+KEY+<name>+<hash>+<base64>: the base64 may itself hold "+" (taking only its last
  // piece made this test fail whenever that piece was short enough to occur in the message).
  const secret = signerKey.split("+").slice(4).join("+");

  it("a private key given as a verifier key: its kind, name and id, never its text", () => {
    const e = (() => {
      try {
        readVerifierKey(signerKey);
      } catch (x) {
        return x as Error;
      }
    })();
    expect(e).toBeInstanceOf(KeyFileError);
    expect(e!.message).not.toContain(secret);
    expect(e!.message).toContain(`a private signer key (${verifierKey.split("+").slice(0, 2).join("+")}, not shown)`);
    expect(e!.message).toContain("where a verifier key is expected");
    // Damaged private keys are not echoed either.
    expect(() => readVerifierKey(`${signerKey.slice(0, -3)}!!!`)).toThrow(/a private signer key \(.*not shown\)/);
    expect(() => readVerifierKey(`${signerKey.slice(0, -3)}!!!`)).not.toThrow(new RegExp(secret.slice(0, 20)));
  });

  it("a file holding a private key is named by its path", () => {
    const path = join(dir, "oops.pub");
    writeFileSync(path, signerKey + "\n", { mode: 0o600 });
    expect(() => readVerifierKey(path)).toThrow(`${path}: holds a private signer key`);
    expect(() => readVerifierKey(path)).not.toThrow(secret);
  });

  it("labelreg audit and gateway with a private key as --log-key say what it was and print no key", async () => {
    const main = resolve("app/cli/main.ts");
    for (const args of [
      ["audit", "--url", "http://127.0.0.1:9", "--log-key", signerKey, "--authority-key", verifierKey],
      [
        "gateway",
        "--registry",
        "127.0.0.1:9",
        "--http",
        "127.0.0.1:0",
        "--log-key",
        verifierKey,
        "--authority-key",
        signerKey,
      ],
    ]) {
      const out = await run(process.execPath, ["--import", "tsx", main, ...args], { encoding: "utf8" }).then(
        (r) => r.stdout + r.stderr,
        (e: { stdout: string; stderr: string }) => e.stdout + e.stderr,
      );
      expect(out).toContain("a private signer key");
      expect(out).not.toContain(secret);
    }
  });
});
