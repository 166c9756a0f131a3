// Size limits for statements and their fields. An entry is at most 65,535 bytes (tlog-tiles
// bundles prefix entries with a uint16), so a statement is held well below that.

export const MAX_STATEMENT_BYTES = 16 * 1024;
/** A LogEntry: statement + key id + signature + time + framing. */
export const MAX_ENTRY_BYTES = MAX_STATEMENT_BYTES + 256;
export const KEY_ID_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const DIGEST_BYTES = 32;

/** UTF-8 byte limits of free-text fields. */
export const MAX_NAME_BYTES = 256;
export const MAX_MODEL_BYTES = 128;
export const MAX_STANDARD_REFERENCE_BYTES = 128;
export const MAX_REASON_BYTES = 1000;
export const MAX_DESCRIPTION_BYTES = 1000;
export const MAX_LAB_CODE_BYTES = 64;
export const MAX_INDICATOR_NAME_BYTES = 64;
export const MAX_INDICATOR_VALUE_BYTES = 256;
export const MAX_URI_BYTES = 2048;
export const MAX_KEY_INDICATORS = 32;
export const MAX_SCOPE_ENTRIES = 256;

/** Times are Unix seconds in 1 .. 9999-12-31T23:59:59Z, so they convert to a Date safely. */
export const MIN_TIME = 1n;
export const MAX_TIME = 253402300799n;

/** The state map's values (proto/labelreg/v1/map.proto): an encoded MapValue, and its lists. */
export const MAX_MAP_VALUE_BYTES = 1024 * 1024;
export const MAX_PRODUCT_LABELS = 1024;
export const MAX_MANUFACTURER_PRODUCTS = 4096;
export const MAX_ISSUER_KEYS = 256;

/** Distinct manufacturer names a search keeps per registration code: labels normally agree on one. */
export const MAX_SEARCH_NAMES_PER_CODE = 8;
