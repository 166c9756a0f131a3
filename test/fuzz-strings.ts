// Test inputs shared by the page's fuzz tests. Not used by the running gateway.

import fc from "fast-check";

/** Strings rich in what breaks markup: the five specials, entity look-alikes, script closers, lone surrogates, controls. */
export const hostileString = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      "<",
      ">",
      '"',
      "'",
      "&",
      "&amp;",
      "&#39;",
      "&lt",
      "</script>",
      "<!--",
      "-->",
      "\u2028",
      "\u0000",
      "\u001b",
      "\ud800",
      "\udfff",
      "\ufffe",
    ),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
});
