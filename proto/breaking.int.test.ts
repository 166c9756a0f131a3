// The protobuf API only grows: `buf breaking` (FILE rules, buf.yaml) finds no breaking change
// in the working tree against the last commit and the one before it, and does find a planted one.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const buf = join(root, "node_modules", ".bin", "buf");

function breaking(input: string, against: string) {
  return spawnSync(buf, ["breaking", input, "--against", against], { cwd: root, encoding: "utf8" });
}

function commitExists(ref: string): boolean {
  return spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: root }).status === 0;
}

describe("buf breaking", () => {
  it("the working tree does not break the protos of the last commits", () => {
    const refs = ["HEAD", "HEAD~1"].filter(commitExists);
    expect(refs).toContain("HEAD");
    for (const ref of refs) {
      const r = breaking(".", `.git#ref=${ref}`);
      expect(r.stdout + r.stderr, `against ${ref}`).toBe("");
      expect(r.status, `against ${ref}`).toBe(0);
    }
  });

  it("catches a removed field (the check can fail)", () => {
    const dir = mkdtempSync(join(tmpdir(), "labelreg-buf-"));
    try {
      cpSync(join(root, "buf.yaml"), join(dir, "buf.yaml"));
      cpSync(join(root, "proto", "labelreg"), join(dir, "proto", "labelreg"), { recursive: true });
      const file = join(dir, "proto", "labelreg", "v1", "entry.proto");
      const text = readFileSync(file, "utf8");
      writeFileSync(file, text.replace(/\n\s*int64 sequenced_at_unix = 4;/, ""));
      const r = breaking(dir, root);
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/sequenced_at_unix/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lints clean", () => {
    expect(() => execFileSync(buf, ["lint"], { cwd: root, encoding: "utf8" })).not.toThrow();
  });
});
