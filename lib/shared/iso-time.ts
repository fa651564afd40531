const getTime = Date.prototype.getTime;
const toISOString = Date.prototype.toISOString;
const getUTCFullYear = Date.prototype.getUTCFullYear;
const getUTCMonth = Date.prototype.getUTCMonth;
const getUTCDate = Date.prototype.getUTCDate;
const getUTCHours = Date.prototype.getUTCHours;
const getUTCMinutes = Date.prototype.getUTCMinutes;
const getUTCSeconds = Date.prototype.getUTCSeconds;
const getUTCMilliseconds = Date.prototype.getUTCMilliseconds;

/** What `isoTimeOf` returns for a date whose time is NaN (as `String(date)` writes it). */
export const INVALID_DATE = 'Invalid Date';

// The date asked last, its time then, and its string: a dispatch writes its message's date
// twice (the payload and the `cqrs.requested_at` attribute).
let lastDate: Date | undefined;
let lastTime = Number.NaN;
let lastString = '';

/**
 * What `Date.prototype.toISOString` returns for `date`, or `INVALID_DATE`; read through the
 * intrinsic methods, so a date's own overrides are never called. `toISOString` costs about
 * 450 ns (Node 20 to 24); the string is built from the date's UTC fields instead, and kept for
 * the date asked last. Its time is compared on each call: a date changed in between
 * (`setTime`) gets its new string. Throws a `TypeError` for a value that is not a `Date`.
 */
export function isoTimeOf(date: Date): string {
  const time = getTime.call(date);
  if (date === lastDate && time === lastTime) return lastString;
  let text: string;
  if (Number.isNaN(time)) {
    text = INVALID_DATE;
  } else {
    const year = getUTCFullYear.call(date);
    // Years outside 0–9999 are written with a sign and six digits.
    text =
      year < 1000 || year > 9999
        ? toISOString.call(date)
        : `${year}-${pad2(getUTCMonth.call(date) + 1)}-${pad2(getUTCDate.call(date))}T${pad2(
            getUTCHours.call(date),
          )}:${pad2(getUTCMinutes.call(date))}:${pad2(getUTCSeconds.call(date))}.${pad3(
            getUTCMilliseconds.call(date),
          )}Z`;
  }
  lastDate = date;
  lastTime = time;
  lastString = text;
  return text;
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}

function pad3(value: number): string {
  return value < 10 ? `00${value}` : value < 100 ? `0${value}` : `${value}`;
}
