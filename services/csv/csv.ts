// CSV (RFC 4180) for bulk issuance: comma-separated, fields optionally in double quotes with ""
// for a quote inside, CRLF or LF line ends, an optional UTF-8 byte-order mark. Quoted fields may
// span lines. Malformed input gets a CsvError with its line, never a guess.

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "CsvError";
  }
}

export interface CsvRecord {
  /** The line the record starts on (1-based). */
  readonly line: number;
  readonly fields: string[];
}

/** Parses CSV text into records; lines that are entirely empty are skipped. Throws CsvError. */
export function parseCsv(text: string): CsvRecord[] {
  const s = text.startsWith("\ufeff") ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < s.length) {
    if (s[i] === "\n" || (s[i] === "\r" && s[i + 1] === "\n")) {
      i += s[i] === "\r" ? 2 : 1;
      line++;
      continue;
    }
    const start = line;
    const fields: string[] = [];
    let atEnd = false;
    while (!atEnd) {
      let field = "";
      if (s[i] === '"') {
        i++;
        for (;;) {
          if (i >= s.length) throw new CsvError(start, "a quoted field is not closed");
          const c = s[i]!;
          if (c === '"') {
            if (s[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === "\n") line++;
          field += c;
          i++;
        }
        if (i < s.length && s[i] !== "," && s[i] !== "\n" && !(s[i] === "\r" && s[i + 1] === "\n")) {
          throw new CsvError(line, "text after a closing quote (a quote inside a field is written as two quotes)");
        }
      } else {
        const from = i;
        while (i < s.length && s[i] !== "," && s[i] !== "\n" && !(s[i] === "\r" && s[i + 1] === "\n")) {
          if (s[i] === '"') throw new CsvError(line, "a quote inside an unquoted field (quote the whole field)");
          i++;
        }
        field = s.slice(from, i);
      }
      fields.push(field);
      if (i >= s.length) atEnd = true;
      else if (s[i] === ",") i++;
      else {
        i += s[i] === "\r" ? 2 : 1;
        line++;
        atEnd = true;
      }
    }
    records.push({ line: start, fields });
  }
  return records;
}

/**
 * Free text from a signer (a name) as a spreadsheet cell: a text starting with a character that
 * spreadsheets read as a formula (= + - @, tab, carriage return) gets a leading apostrophe, so
 * opening a downloaded CSV never runs a formula that an issuer put in its name (OWASP's CSV
 * injection advice). The apostrophe is shown by some readers: it marks the text as altered.
 */
export function spreadsheetText(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** Formats records as CSV that parseCsv reads back unchanged (quoting only where needed). */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) || v === "" ? `"${v.replaceAll('"', '""')}"` : v);
  return rows.map((r) => r.map(cell).join(",") + "\r\n").join("");
}
