/**
 * The portfolio the FINRA audit runs over: its types, the position arithmetic the rules share, and a
 * deterministic generator that books a known set of rule violations into an otherwise clean portfolio.
 */
import { AS_OF, HOLIDAYS_2024, TRADING_DAYS, cents, dayBar, dayNumber, dayOfWeek, hash32, isoDate } from './market.js';
import { seededRandom } from '../seeded-random.js';

/** The audit rules, named as in the paper's FINRA application. */
export type RuleName = 'lastpx' | 'side' | 'trddate' | 'volume';

/** What a rule can find wrong with a trade. */
export type FindingCode =
  /** lastpx: the price is not a positive number of at most 4 decimals. */
  | 'PRICE_INVALID'
  /** lastpx: the price is above the day's high. */
  | 'PRICE_ABOVE_HIGH'
  /** lastpx: the price is below the day's low. */
  | 'PRICE_BELOW_LOW'
  /** side: neither BUY nor SELL. */
  | 'INVALID_SIDE'
  /** side: a sale of more shares than the position holds (a short sale in a long-only account). */
  | 'OVERSOLD'
  /** trddate: not a real `YYYY-MM-DD` date. */
  | 'INVALID_DATE'
  /** trddate: after the audit date. */
  | 'FUTURE_DATE'
  /** trddate: a Saturday or a Sunday. */
  | 'WEEKEND'
  /** trddate: an exchange holiday. */
  | 'HOLIDAY'
  /** volume: the quantity is not a positive whole number of shares. */
  | 'QTY_NOT_POSITIVE_INTEGER'
  /** volume: the quantity is over the limit of 10% of the market's volume in that symbol that day. */
  | 'QTY_OVER_VOLUME_LIMIT';

export const RULES: readonly RuleName[] = ['lastpx', 'side', 'trddate', 'volume'];

/** The share of a day's market volume one trade may take. */
export const VOLUME_LIMIT_SHARE = 0.1;

/** One executed trade, as booked (a few fields of a FIX execution report). */
export interface Trade {
  /** `<portfolio>-<symbol>-<nn>`, nn its booking sequence in the position. */
  readonly id: string;
  readonly symbol: string;
  /** `BUY` or `SELL`; anything else is a violation. */
  readonly side: string;
  /** Shares. */
  readonly quantity: number;
  /** Execution price (FIX LastPx), dollars. */
  readonly lastPx: number;
  /** Trade date (FIX TradeDate), `YYYY-MM-DD`. */
  readonly tradeDate: string;
}

/** The account an audit is about. */
export interface Account {
  readonly portfolioType: string;
  readonly portfolio: string;
  /** The audit date. */
  readonly asOf: string;
  /** Cash at the start of the period; negative: a margin loan (debit balance). */
  readonly openingCash: number;
}

/** One position of the portfolio and its trades in booking order: what one set of five rule invocations audits. */
export interface AuditSlice {
  readonly account: Account;
  readonly symbol: string;
  /** Shares held at the start of the period. */
  readonly openingQuantity: number;
  readonly trades: readonly Trade[];
}

/** A rule's finding about one trade. */
export interface Finding {
  readonly tradeId: string;
  readonly rule: RuleName;
  readonly code: FindingCode;
  readonly detail: string;
}

/** A violation the generator booked on purpose: what the audit must find, and nothing else. */
export interface InjectedViolation {
  readonly tradeId: string;
  readonly rule: RuleName;
  readonly code: FindingCode;
}

export interface GeneratedPortfolio {
  readonly account: Account;
  readonly slices: readonly AuditSlice[];
  readonly injected: readonly InjectedViolation[];
}

/** Portfolio types the generator knows, with their universe of symbols. */
export const UNIVERSES: Readonly<Record<string, readonly string[]>> = {
  'S&P': [
    'AAPL', 'MSFT', 'AMZN', 'NVDA', 'GOOGL', 'META', 'BRK.B', 'TSLA', 'UNH', 'JNJ',
    'JPM', 'V', 'PG', 'XOM', 'MA', 'HD', 'CVX', 'MRK', 'ABBV', 'PEP',
    'KO', 'AVGO', 'COST', 'LLY', 'WMT', 'MCD', 'CSCO', 'TMO', 'ACN', 'ABT',
    'DHR', 'NKE', 'ORCL', 'CRM', 'TXN', 'NEE', 'PM', 'LIN', 'ADBE', 'AMD',
    'BMY', 'UPS', 'RTX', 'QCOM', 'HON', 'INTC', 'AMGN', 'LOW', 'IBM', 'CAT',
  ],
};

/** The most positions a generated portfolio can have (the size of the smallest universe). */
export const MAX_POSITIONS = 50;

/** Whether a quantity can be booked against a position: a finite, positive number. */
export const bookable = (quantity: number): boolean => Number.isFinite(quantity) && quantity > 0;

/**
 * The position after a trade, as the back office books it: a trade with an unknown side or a
 * quantity that is not a positive number is not booked. `oversold` tells a sale of more than was held.
 */
export function applyTrade(position: number, trade: Trade): { readonly position: number; readonly booked: boolean; readonly oversold: boolean } {
  if ((trade.side !== 'BUY' && trade.side !== 'SELL') || !bookable(trade.quantity)) return { position, booked: false, oversold: false };
  if (trade.side === 'BUY') return { position: position + trade.quantity, booked: true, oversold: false };
  return { position: position - trade.quantity, booked: true, oversold: trade.quantity > position };
}

/** Trades per position. */
export const TRADES_PER_POSITION = 12;
/** Trades are dated within this many trading days up to the audit date. */
const TRADING_WINDOW = 60;

/**
 * The violations the generator books, in the order it hands them out: every position but each
 * fourth gets the next two of this ring. The ring never puts `QTY_OVER_VOLUME_LIMIT` next to
 * `OVERSOLD`: selling more than a huge position would break the volume limit too.
 */
const VIOLATION_RING: readonly InjectedViolation['code'][] = [
  'PRICE_ABOVE_HIGH', 'INVALID_SIDE', 'WEEKEND', 'QTY_OVER_VOLUME_LIMIT', 'PRICE_BELOW_LOW',
  'FUTURE_DATE', 'OVERSOLD', 'HOLIDAY', 'QTY_NOT_POSITIVE_INTEGER',
];

const RULE_OF: Readonly<Record<FindingCode, RuleName>> = {
  PRICE_INVALID: 'lastpx', PRICE_ABOVE_HIGH: 'lastpx', PRICE_BELOW_LOW: 'lastpx',
  INVALID_SIDE: 'side', OVERSOLD: 'side',
  INVALID_DATE: 'trddate', FUTURE_DATE: 'trddate', WEEKEND: 'trddate', HOLIDAY: 'trddate',
  QTY_NOT_POSITIVE_INTEGER: 'volume', QTY_OVER_VOLUME_LIMIT: 'volume',
};

/** The rule that reports a finding code. */
export const ruleOf = (code: FindingCode): RuleName => RULE_OF[code];

/**
 * Generates portfolio `portfolio` of type `portfolioType` with `positions` positions of
 * TRADES_PER_POSITION trades each, deterministically (seeded by the names). Trades are clean (dated on
 * trading days in the window, priced within the day's range, sales within the position, small
 * against the day's volume) except the violations in `injected`, which every rule must report, each
 * exactly once, and nothing else.
 */
export function generatePortfolio(portfolioType: string, portfolio: string, positions: number): GeneratedPortfolio {
  const universe = UNIVERSES[portfolioType];
  if (!universe) throw new RangeError(`unknown portfolio type ${JSON.stringify(portfolioType)} (known: ${Object.keys(UNIVERSES).join(', ')})`);
  if (!Number.isInteger(positions) || positions < 1 || positions > Math.min(MAX_POSITIONS, universe.length)) {
    throw new RangeError(`positions must be a whole number from 1 to ${Math.min(MAX_POSITIONS, universe.length)}, got ${positions}`);
  }
  const first = hash32(`${portfolioType}/${portfolio}`) % universe.length;
  const symbols = Array.from({ length: positions }, (_, i) => universe[(first + i) % universe.length] as string);
  const window = TRADING_DAYS.slice(-TRADING_WINDOW);
  const firstDay = window[0] as string;

  const drafts = symbols.map((symbol, p) => draftPosition(portfolioType, portfolio, symbol, p, window));
  const openingValue = drafts.reduce((sum, d) => sum + d.openingQuantity * (dayBar(d.symbol, firstDay) as { close: number }).close, 0);
  const account: Account = { portfolioType, portfolio, asOf: AS_OF, openingCash: -cents(0.4 * openingValue) };
  return {
    account,
    slices: drafts.map((d) => ({ account, symbol: d.symbol, openingQuantity: d.openingQuantity, trades: d.trades })),
    injected: drafts.flatMap((d) => d.injected),
  };
}

interface Draft {
  readonly symbol: string;
  readonly openingQuantity: number;
  readonly trades: Trade[];
  readonly injected: InjectedViolation[];
}

type MutableTrade = { -readonly [K in keyof Trade]: Trade[K] };

function draftPosition(portfolioType: string, portfolio: string, symbol: string, p: number, window: readonly string[]): Draft {
  const random = seededRandom(hash32(`${portfolioType}/${portfolio}/${symbol}`));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const openingQuantity = 100 * (10 + Math.floor(random() * 40));

  // Distinct trading days of the window, in order.
  const days = new Set<number>();
  while (days.size < TRADES_PER_POSITION) days.add(Math.floor(random() * window.length));
  const dates = [...days].sort((a, b) => a - b).map((i) => window[i] as string);

  const trades: MutableTrade[] = [];
  let position = openingQuantity;
  for (let i = 0; i < TRADES_PER_POSITION; i++) {
    const date = dates[i] as string;
    const bar = dayBar(symbol, date);
    if (!bar) throw new Error(`no bar for ${symbol} on ${date}`);
    const lot = 100 * (1 + Math.floor(random() * 20));
    let side: 'BUY' | 'SELL' = i === 1 ? 'BUY' : i === 2 || i === TRADES_PER_POSITION - 1 ? 'SELL' : random() < 0.55 ? 'BUY' : 'SELL';
    if (side === 'SELL' && position < 100) side = 'BUY';
    const quantity = side === 'BUY' ? lot : Math.min(lot, position);
    const lastPx = cents(bar.low + random() * (bar.high - bar.low));
    trades.push({ id: `${portfolio}-${symbol}-${String(i + 1).padStart(2, '0')}`, symbol, side, quantity, lastPx, tradeDate: date });
    position += side === 'BUY' ? quantity : -quantity;
  }

  const injected: InjectedViolation[] = [];
  if (p % 4 === 3) return { symbol, openingQuantity, trades, injected };
  const q = p % VIOLATION_RING.length;
  const codes = [VIOLATION_RING[(2 * q) % VIOLATION_RING.length], VIOLATION_RING[(2 * q + 1) % VIOLATION_RING.length]] as InjectedViolation['code'][];
  // Violations that need a trade of one side pick first; OVERSOLD goes on the last trade, after the
  // others are in place (they may change the position).
  const order = (c: FindingCode): number => (c === 'OVERSOLD' ? 2 : c === 'INVALID_SIDE' || c.startsWith('QTY_') ? 0 : 1);
  codes.sort((a, b) => order(a) - order(b));
  const used = new Set<number>([0, TRADES_PER_POSITION - 1]);
  const slot = (fits: (t: MutableTrade) => boolean): MutableTrade => {
    const free = trades.map((t, i) => ({ t, i })).filter(({ t, i }) => !used.has(i) && fits(t));
    if (free.length === 0) throw new Error(`no trade of ${symbol} left for a violation`);
    const chosen = pick(free);
    used.add(chosen.i);
    return chosen.t;
  };
  for (const code of codes) {
    let t: MutableTrade;
    switch (code) {
      case 'PRICE_ABOVE_HIGH': {
        t = slot(() => true);
        t.lastPx = cents((dayBar(symbol, t.tradeDate) as { high: number }).high * 1.02 + 0.01);
        break;
      }
      case 'PRICE_BELOW_LOW': {
        t = slot(() => true);
        t.lastPx = cents((dayBar(symbol, t.tradeDate) as { low: number }).low * 0.98 - 0.01);
        break;
      }
      case 'INVALID_SIDE': {
        // Only on a sale: not booking a sale leaves more shares for the sales after it.
        t = slot((x) => x.side === 'SELL');
        t.side = pick(['SHORT', 'S', 'SELL_SHORT', '']);
        break;
      }
      case 'OVERSOLD': {
        t = trades[TRADES_PER_POSITION - 1] as MutableTrade;
        let held = openingQuantity;
        for (const x of trades.slice(0, -1)) held = applyTrade(held, x).position;
        t.side = 'SELL';
        t.quantity = Math.floor(held) + 100 * (1 + Math.floor(random() * 5));
        break;
      }
      case 'WEEKEND': {
        t = slot(() => true);
        const day = dayNumber(t.tradeDate) as number;
        const saturday = day - ((dayOfWeek(day) + 1) % 7);
        t.tradeDate = isoDate(saturday + (random() < 0.5 ? 0 : 1));
        break;
      }
      case 'HOLIDAY': {
        t = slot(() => true);
        t.tradeDate = pick(HOLIDAYS_2024.filter((h) => h <= AS_OF));
        break;
      }
      case 'FUTURE_DATE': {
        t = slot(() => true);
        t.tradeDate = isoDate((dayNumber(AS_OF) as number) + 1 + Math.floor(random() * 20));
        break;
      }
      case 'QTY_OVER_VOLUME_LIMIT': {
        // Only on a purchase: a bigger purchase cannot make a later sale oversold.
        t = slot((x) => x.side === 'BUY');
        const volume = (dayBar(symbol, t.tradeDate) as { volume: number }).volume;
        t.quantity = Math.ceil(volume * VOLUME_LIMIT_SHARE) + 100 * (1 + Math.floor(random() * 10));
        break;
      }
      case 'QTY_NOT_POSITIVE_INTEGER': {
        t = slot((x) => x.side === 'BUY');
        t.quantity = p % 2 === 0 ? 0 : t.quantity + 0.5;
        break;
      }
      default:
        throw new Error(`no generator for ${code}`);
    }
    injected.push({ tradeId: t.id, rule: ruleOf(code), code });
  }
  return { symbol, openingQuantity, trades, injected };
}
