// Structured logs: one JSON object per line on stdout. Callers pass only fields that are safe to
// publish (no keys, no request bodies, no headers); paths are cut to a bounded length.

export type LogRecord = Readonly<Record<string, string | number | boolean | undefined>>;
export type Logger = (level: "info" | "warn" | "error", msg: string, fields?: LogRecord) => void;

export const jsonLogger: Logger = (level, msg, fields = {}) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
};

export const silentLogger: Logger = () => undefined;

/** A request path fit for a log line: at most 200 characters, query dropped. */
export function loggablePath(target: string | undefined): string {
  const path = (target ?? "").split("?", 1)[0] ?? "";
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}
