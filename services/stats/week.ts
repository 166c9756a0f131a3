// The time rules of the statistics, in one place: events count in the ISO 8601 week (weeks start
// on Monday; week 1 holds the year's first Thursday) of the time the log sequenced them, in UTC,
// so a figure depends on the log alone, never on a reader's clock or time zone.

const DAY = 86_400;

/** Days since 1970-01-01 (a Thursday) of a Unix time, UTC. */
function dayOf(unix: number): number {
  return Math.floor(unix / DAY);
}

/** The day number of the Monday that starts the ISO week holding `unix`. */
export function weekStartDay(unix: number): number {
  const day = dayOf(unix);
  return day - ((((day + 3) % 7) + 7) % 7);
}

/** The ISO week whose Monday is day `monday`, as "YYYY-Www" (the year is the week's, not the date's). */
export function isoWeekName(monday: number): string {
  const thursday = monday + 3;
  const year = new Date(thursday * DAY * 1000).getUTCFullYear();
  const firstDay = Math.floor(Date.UTC(year, 0, 1) / (DAY * 1000));
  const week = Math.floor((thursday - firstDay) / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The ISO week of a Unix time, e.g. "2026-W27". */
export function isoWeekOf(unix: number): string {
  return isoWeekName(weekStartDay(unix));
}

/** The Mondays (day numbers) from the week of `fromUnix` to the week of `toUnix`, both included. */
export function weeksBetween(fromUnix: number, toUnix: number): number[] {
  const out: number[] = [];
  for (let d = weekStartDay(fromUnix); d <= weekStartDay(toUnix); d += 7) out.push(d);
  return out;
}
