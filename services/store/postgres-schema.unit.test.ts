import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { growthChannel, InvalidSchemaNameError, quoteSchema, schemaDdl } from "./postgres-schema.js";

describe("postgres-schema: schema names spliced into SQL", () => {
  it("accepts plain lower-case identifiers up to 48 characters", () => {
    for (const name of ["labelreg", "_x", "log_1", "a".repeat(48)]) {
      expect(quoteSchema(name)).toBe(`"${name}"`);
      expect(growthChannel(name)).toBe(`${name}_log_grown`);
    }
    // The channel stays within PostgreSQL's 63-byte identifier limit.
    expect(growthChannel("a".repeat(48)).length).toBeLessThanOrEqual(63);
  });

  it("refuses anything else with InvalidSchemaNameError, and never yields SQL that escapes the quotes", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70, unit: "binary" }), (name) => {
        let quoted: string;
        try {
          quoted = quoteSchema(name);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidSchemaNameError);
          expect(() => schemaDdl(name)).toThrow(InvalidSchemaNameError);
          expect(() => growthChannel(name)).toThrow(InvalidSchemaNameError);
          return;
        }
        expect(quoted).toMatch(/^"[a-z_][a-z0-9_]{0,47}"$/);
      }),
      { numRuns: 2000 },
    );
    for (const bad of ["", "Public", "a-b", 'x"; DROP TABLE y; --', "1abc", "a".repeat(49), "a b", "ä"]) {
      expect(() => quoteSchema(bad), bad).toThrow(InvalidSchemaNameError);
    }
  });
});
