// Dates on the page: readable in the page's language, machine-readable in <time datetime>, and
// always in one stated time zone (the scheme's, Asia/Shanghai, unless configured otherwise), so a
// validity end never reads as the day before for a buyer abroad.

import type { Lang } from "./lang.js";

export const DEFAULT_TIME_ZONE = "Asia/Shanghai";

/** Shown for a date that is not a valid instant, instead of "Invalid Date". */
export const UNKNOWN_DATE = "—";

const LOCALE: Record<Lang, string> = { "zh-CN": "zh-CN", en: "en-GB" };

/** A formatter bound to one language and time zone. */
export interface DateFormat {
  /** "2026年7月1日" / "1 July 2026". */
  date(d: Date): string;
  /** "2026年7月1日 10:30" / "1 July 2026 at 10:30". */
  dateTime(d: Date): string;
  /** The `datetime` attribute value: "2026-07-01" in the zone, or undefined for an invalid date. */
  isoDate(d: Date): string | undefined;
  /** The full instant in UTC, "2026-07-01T02:30:00.000Z", or undefined for an invalid date. */
  isoInstant(d: Date): string | undefined;
  /** The zone's name in the page's language: "中国标准时间" / "China Standard Time". */
  readonly zoneName: string;
}

const valid = (d: Date): boolean => !Number.isNaN(d.getTime());

/** Throws RangeError if `timeZone` is not an IANA zone this runtime knows: a configuration error. */
export function dateFormat(lang: Lang, timeZone: string = DEFAULT_TIME_ZONE): DateFormat {
  const locale = LOCALE[lang];
  const date = new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone });
  const dateTime = new Intl.DateTimeFormat(locale, {
    dateStyle: "long",
    timeStyle: "short",
    hourCycle: "h23",
    timeZone,
  });
  const iso = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone });
  const zoneName =
    new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: "long" })
      .formatToParts(0)
      .find((p) => p.type === "timeZoneName")?.value ?? timeZone;
  return {
    date: (d) => (valid(d) ? date.format(d) : UNKNOWN_DATE),
    dateTime: (d) => (valid(d) ? dateTime.format(d) : UNKNOWN_DATE),
    isoDate: (d) => (valid(d) ? iso.format(d) : undefined),
    isoInstant: (d) => (valid(d) ? d.toISOString() : undefined),
    zoneName,
  };
}
