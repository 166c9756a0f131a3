import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvError, formatCsv, parseCsv, spreadsheetText } from "./csv.js";

describe("parseCsv", () => {
  it("reads RFC 4180: quotes, doubled quotes, commas and newlines in fields, CRLF, BOM, blank lines", () => {
    const text = '\ufeffa,b,c\r\n"x, y","say ""hi""","two\nlines"\n\n1,,3';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ["a", "b", "c"] },
      { line: 2, fields: ["x, y", 'say "hi"', "two\nlines"] },
      { line: 5, fields: ["1", "", "3"] },
    ]);
  });

  it("refuses malformed quoting with the line", () => {
    expect(() => parseCsv('a\n"open')).toThrow(new CsvError(2, "a quoted field is not closed"));
    expect(() => parseCsv('a\nb"c')).toThrow(CsvError);
    expect(() => parseCsv('"a"b')).toThrow(/closing quote/);
  });

  it("round-trips any table through formatCsv", () => {
    const table = fc.array(
      fc.array(fc.string({ unit: fc.constantFrom("a", ",", '"', "\n", "\r", " ", "é", "\u2028") }), {
        minLength: 1,
        maxLength: 5,
      }),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(table, (rows) => {
        expect(parseCsv(formatCsv(rows)).map((r) => r.fields)).toEqual(rows);
      }),
      { numRuns: 500 },
    );
  });

  it("fuzz: any text parses or throws CsvError, nothing else", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", ",", '"', "\n", "\r", "\ufeff", "x") }), (text) => {
        try {
          for (const r of parseCsv(text)) expect(r.fields.length).toBeGreaterThan(0);
        } catch (e) {
          expect(e).toBeInstanceOf(CsvError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("spreadsheetText", () => {
  it("never yields a cell a spreadsheet reads as a formula, and changes nothing else (fuzz)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (text) => {
        const cell = spreadsheetText(text);
        expect(/^[=+\-@\t\r]/.test(cell)).toBe(false);
        expect(cell === text || cell === `'${text}`).toBe(true);
        if (/^[=+\-@\t\r]/.test(text)) expect(cell).toBe(`'${text}`);
        else expect(cell).toBe(text);
      }),
    );
  });
});
