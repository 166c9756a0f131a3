// Escaping for the server-rendered page and the label SVG. Every string that did not come from
// this folder's templates goes through one of these before it reaches the output.

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes `s` for HTML and XML text and for quoted attribute values: the result contains no
 * `<`, `>`, `"` or `'`, and every `&` starts one of the five entities above. The same output is
 * valid in SVG (XML), which knows `&#39;` though not `&apos;` in HTML 4.
 * Lone surrogates and control characters other than tab and newlines are replaced with U+FFFD,
 * because XML 1.0 forbids them and an SVG containing one would not parse.
 */
export function escapeHtml(s: string): string {
  return s
    .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)
    .replace(
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      "\ufffd",
    );
}

/**
 * Serializes `value` as JSON that is safe inside `<script type="application/json">`: `<`, `>`
 * and `&` become `\u003c`, `\u003e`, `\u0026` (so no `</script>` or `<!--` can appear), and
 * U+2028/U+2029 are escaped too. `JSON.parse` of the element's text gives `value` back.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Returns `raw` normalized if it is an absolute http or https URL, else undefined. Links to
 * documents named in a label record must never carry `javascript:` or `data:` URLs, which
 * attribute escaping alone would let through.
 */
export function safeHttpUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  return url.protocol === "https:" || url.protocol === "http:" ? url.href : undefined;
}
