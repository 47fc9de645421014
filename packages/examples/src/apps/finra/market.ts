/**
 * The market the FINRA audit checks trades against: a trading calendar and a seeded price feed.
 *
 * No market feed is reachable from where the project runs, so prices come from a deterministic
 * generator: a random walk per symbol, seeded by the symbol, with a daily open / high / low / close
 * and volume. It uses only arithmetic (no `Math.exp`/`Math.log`), so every machine, thread, process
 * and container computes the very same bars.
 */
import { seededRandom } from '../seeded-random.js';

/** The audit date: the last trading day the feed has data for. Trades dated after it are in the future. */
export const AS_OF = '2024-06-28';
/** The first trading day of the feed. */
export const FEED_START = '2024-01-02';

/** NYSE full-day closures of 2024. */
export const HOLIDAYS_2024: readonly string[] = [
  '2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27', '2024-06-19',
  '2024-07-04', '2024-09-02', '2024-11-28', '2024-12-25',
];
const HOLIDAYS = new Set(HOLIDAYS_2024);

/** One trading day of one symbol. Prices in dollars, rounded to cents. */
export interface DayBar {
  readonly date: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Shares traded on the market that day. */
  readonly volume: number;
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of an ISO date (`YYYY-MM-DD`), or undefined when it is not a real date. */
export function dayNumber(iso: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // Date.UTC rolls 2024-02-30 over to March: such a date is not real.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms / DAY_MS;
}

/** The ISO date of a day number. */
export function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday. 1970-01-01 was a Thursday. */
export function dayOfWeek(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export const isWeekend = (day: number): boolean => dayOfWeek(day) === 0 || dayOfWeek(day) === 6;
export const isHoliday = (iso: string): boolean => HOLIDAYS.has(iso);
export const isTradingDay = (day: number): boolean => !isWeekend(day) && !isHoliday(isoDate(day));

/** Every trading day from FEED_START to AS_OF, in order. */
export const TRADING_DAYS: readonly string[] = (() => {
  const days: string[] = [];
  const end = dayNumber(AS_OF) as number;
  for (let d = dayNumber(FEED_START) as number; d <= end; d++) if (isTradingDay(d)) days.push(isoDate(d));
  return days;
})();

/** 32-bit FNV-1a hash of a string: the seed of everything generated from a name. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}


/** Rounds to cents. */
export const cents = (x: number): number => Math.round(x * 100) / 100;

const histories = new Map<string, { readonly bars: readonly DayBar[]; readonly byDate: ReadonlyMap<string, DayBar> }>();

function history(symbol: string): { readonly bars: readonly DayBar[]; readonly byDate: ReadonlyMap<string, DayBar> } {
  let h = histories.get(symbol);
  if (h) return h;
  const seed = hash32(`price-feed/${symbol}`);
  const random = seededRandom(seed);
  // An approximately normal deviate (Irwin-Hall): arithmetic only, so bit-identical everywhere.
  const normal = (): number => {
    let s = 0;
    for (let i = 0; i < 12; i++) s += random();
    return s - 6;
  };
  let previous = cents(20 + (seed % 48_000) / 100);
  const baseVolume = 1_000_000 + ((seed >>> 8) % 8_000_000);
  const bars: DayBar[] = [];
  for (const date of TRADING_DAYS) {
    const open = cents(previous * (1 + 0.004 * normal()));
    const close = cents(previous * (1 + 0.0004 + 0.017 * normal()));
    const high = cents(Math.max(open, close) * (1 + 0.01 * random()));
    const low = cents(Math.min(open, close) * (1 - 0.01 * random()));
    const volume = Math.round(baseVolume * (0.6 + 0.8 * random()));
    bars.push({ date, open, high, low, close, volume });
    previous = close;
  }
  h = { bars, byDate: new Map(bars.map((b) => [b.date, b])) };
  histories.set(symbol, h);
  return h;
}

/** The day's bar of a symbol, or undefined when the market did not trade that day (or it is after AS_OF). */
export function dayBar(symbol: string, date: string): DayBar | undefined {
  return history(symbol).byDate.get(date);
}

/** Every bar of a symbol from FEED_START to AS_OF. */
export function priceHistory(symbol: string): readonly DayBar[] {
  return history(symbol).bars;
}

/** The closing price of a symbol on AS_OF. */
export function closeAsOf(symbol: string): number {
  const bars = history(symbol).bars;
  return (bars[bars.length - 1] as DayBar).close;
}
