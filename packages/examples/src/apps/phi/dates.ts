/**
 * The date formats clinical notes use, parsed and written back in the same format: `March 3, 2021`,
 * `Mar 3, 2021`, `3 March 2021`, `03/04/2021` (US order), `2021-03-04`, and `March 3` (no year).
 */

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** A month's name, full or abbreviated (`Sept.` too). */
export const MONTH_NAME = String.raw`(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?`;

/** Every date format the patterns find, as one regular expression source (no capture groups). */
export const DATE_PATTERN = [
  String.raw`\b${MONTH_NAME} \d{1,2}(?:st|nd|rd|th)?(?:,? \d{4})?\b`,
  String.raw`\b\d{1,2}(?:st|nd|rd|th)? (?:of )?${MONTH_NAME},? \d{4}\b`,
  String.raw`\b\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b`,
  String.raw`\b\d{4}-\d{2}-\d{2}\b`,
].join('|');

export interface ParsedDate {
  /** Null when the text has no year. */
  readonly year: number | null;
  /** 1-12. */
  readonly month: number;
  readonly day: number;
  readonly format: DateFormat;
}

type DateFormat =
  | { readonly kind: 'month-name'; /** Letters of an abbreviated name (`Sep` 3, `Sept` 4); 0 when written in full. */ readonly abbr: number; readonly dot: boolean; readonly suffix: boolean; readonly comma: boolean; readonly dayFirst: boolean; readonly of: boolean }
  | { readonly kind: 'numeric'; readonly padded: boolean; readonly shortYear: boolean }
  | { readonly kind: 'iso' };

/** Parses one date the patterns found; undefined if it is not a real calendar date. */
export function parseDate(text: string): ParsedDate | undefined {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) return valid(Number(m[1]), Number(m[2]), Number(m[3]), { kind: 'iso' });
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})$/.exec(text);
  if (m) {
    const y = m[3] as string;
    const year = y.length === 2 ? 2000 + Number(y) : Number(y);
    return valid(year, Number(m[1]), Number(m[2]), { kind: 'numeric', padded: (m[1] as string).length === 2, shortYear: y.length === 2 });
  }
  m = /^([A-Za-z]+)(\.?) (\d{1,2})(st|nd|rd|th)?(?:(,?) (\d{4}))?$/.exec(text);
  if (m) {
    const month = monthOf(m[1] as string);
    if (month === undefined) return undefined;
    const format: DateFormat = { kind: 'month-name', abbr: abbr(m[1] as string), dot: m[2] === '.', suffix: m[4] !== undefined, comma: m[5] === ',', dayFirst: false, of: false };
    return valid(m[6] === undefined ? null : Number(m[6]), month, Number(m[3]), format);
  }
  m = /^(\d{1,2})(st|nd|rd|th)? (of )?([A-Za-z]+)(\.?)(,?) (\d{4})$/.exec(text);
  if (m) {
    const month = monthOf(m[4] as string);
    if (month === undefined) return undefined;
    const format: DateFormat = { kind: 'month-name', abbr: abbr(m[4] as string), dot: m[5] === '.', suffix: m[2] !== undefined, comma: m[6] === ',', dayFirst: true, of: m[3] !== undefined };
    return valid(Number(m[7]), month, Number(m[1]), format);
  }
  return undefined;
}

/** Writes a date in the format it was parsed from. */
export function formatDate(year: number | null, month: number, day: number, format: DateFormat): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  switch (format.kind) {
    case 'iso':
      return `${year}-${pad(month)}-${pad(day)}`;
    case 'numeric': {
      const y = format.shortYear ? pad((year ?? 0) % 100) : String(year);
      return format.padded ? `${pad(month)}/${pad(day)}/${y}` : `${month}/${day}/${y}`;
    }
    case 'month-name': {
      const full = MONTHS[month - 1] as string;
      const name = (format.abbr === 0 ? full : full.slice(0, format.abbr)).replace(/^./, (c) => c.toUpperCase());
      const dot = format.dot ? '.' : '';
      const d = `${day}${format.suffix ? ordinal(day) : ''}`;
      if (format.dayFirst) return `${d} ${format.of ? 'of ' : ''}${name}${dot}${format.comma ? ',' : ''} ${year}`;
      return year === null ? `${name}${dot} ${d}` : `${name}${dot} ${d}${format.comma ? ',' : ''} ${year}`;
    }
  }
}

/** The date `days` days from the given one (a year-less date is moved within a leap year). */
export function shiftDate(date: ParsedDate, days: number): ParsedDate {
  const t = new Date(Date.UTC(date.year ?? 2000, date.month - 1, date.day) + days * 86_400_000);
  return { year: date.year === null ? null : t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate(), format: date.format };
}

/** A key for the calendar date: the same date in two formats has one key. */
export const dateKey = (d: ParsedDate): string => `${d.year ?? '????'}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

function valid(year: number | null, month: number, day: number, format: DateFormat): ParsedDate | undefined {
  if (month < 1 || month > 12 || day < 1) return undefined;
  const days = new Date(Date.UTC(year ?? 2000, month, 0)).getUTCDate();
  return day > days ? undefined : { year, month, day, format };
}

function monthOf(name: string): number | undefined {
  const n = name.toLowerCase();
  const i = MONTHS.findIndex((m) => m === n || (n.length >= 3 && m.startsWith(n)));
  return i < 0 ? undefined : i + 1;
}

const abbr = (name: string): number => (MONTHS.includes(name.toLowerCase()) ? 0 : name.length);

function ordinal(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
}
