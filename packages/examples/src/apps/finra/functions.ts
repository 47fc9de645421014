/**
 * The functions of the FINRA audit (the paper's application): `fetchPortfolio`, then for each position
 * `marketdata` and the rules `lastpx`, `side`, `trddate` and `volume` concurrently, then `marginBalance`.
 *
 * Plain classes in a compiled module: worker threads, child processes and containers import this
 * module to run them. They are deterministic; inputs and outputs are plain JSON-friendly data.
 */
import 'reflect-metadata';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { Fn } from '@faastlane/dsl';
import { cents, closeAsOf, dayBar, dayNumber, dayOfWeek, isHoliday, isWeekend } from './market.js';
import {
  MAX_POSITIONS, RULES, UNIVERSES, VOLUME_LIMIT_SHARE, applyTrade, bookable, generatePortfolio,
  type Account, type AuditSlice, type Finding, type RuleName,
} from './portfolio.js';

/** What to audit: the paper's input, `{ portfolioType: 'S&P', portfolio: '1234' }`, and how many positions. */
export class AuditRequest {
  @IsIn(Object.keys(UNIVERSES)) portfolioType!: string;
  @Matches(/^[0-9]{1,12}$/) portfolio!: string;
  /** Positions in the portfolio (default 20); each is audited by five functions, so the fan-out is 5x this. */
  @IsOptional() @IsInt() @Min(1) @Max(MAX_POSITIONS) positions?: number;
}

/** The default number of positions: 20 positions x 5 functions = the paper's width of 100. */
export const DEFAULT_POSITIONS = 20;

/** Loads the portfolio (from the deterministic generator: no back office is reachable) and splits it by position. */
@Fn({ name: 'fetchPortfolio', cpu: 'bound' })
export class FetchPortfolio {
  @Fn()
  run(request: AuditRequest): AuditSlice[] {
    return [...generatePortfolio(request.portfolioType, request.portfolio, request.positions ?? DEFAULT_POSITIONS).slices];
  }
}

/** The position's value as of the audit date, from the market data feed. */
export interface Valuation {
  readonly account: Account;
  readonly symbol: string;
  readonly openingQuantity: number;
  /** Shares held after the booked trades; negative: a short position. */
  readonly quantity: number;
  /** Trades booked (the others had an unknown side or no valid quantity). */
  readonly booked: number;
  readonly trades: number;
  /** Closing price on the audit date. */
  readonly close: number;
  readonly marketValue: number;
  /** Cash the booked trades moved: sales in, purchases out. */
  readonly cashFlow: number;
}

/** Fetches the prices of the position's symbol and values it (the paper's `marketdata`). */
@Fn({ name: 'marketdata', cpu: 'bound' })
export class MarketData {
  run(slice: AuditSlice): Valuation {
    let quantity = slice.openingQuantity;
    let cashFlow = 0;
    let booked = 0;
    for (const trade of slice.trades) {
      const next = applyTrade(quantity, trade);
      if (!next.booked) continue;
      booked++;
      quantity = next.position;
      cashFlow += (trade.side === 'SELL' ? 1 : -1) * trade.quantity * trade.lastPx;
    }
    const close = closeAsOf(slice.symbol);
    return {
      account: slice.account,
      symbol: slice.symbol,
      openingQuantity: slice.openingQuantity,
      quantity,
      booked,
      trades: slice.trades.length,
      close,
      marketValue: cents(quantity * close),
      cashFlow: cents(cashFlow),
    };
  }
}

/** lastpx: the execution price is a valid price within the day's low-high range of the symbol. */
@Fn({ name: 'lastpx', cpu: 'bound' })
export class LastPx {
  run(slice: AuditSlice): Finding[] {
    const findings: Finding[] = [];
    for (const t of slice.trades) {
      const px = t.lastPx;
      if (typeof px !== 'number' || !Number.isFinite(px) || px <= 0 || Math.abs(px * 10_000 - Math.round(px * 10_000)) > 1e-6) {
        findings.push(finding(t.id, 'lastpx', 'PRICE_INVALID', `price ${String(px)} is not a positive price of at most 4 decimals`));
        continue;
      }
      // No bar: the market did not trade that day. trddate reports the date; there is no range to check.
      const bar = dayBar(t.symbol, t.tradeDate);
      if (!bar) continue;
      if (px > bar.high) findings.push(finding(t.id, 'lastpx', 'PRICE_ABOVE_HIGH', `${px} above the day's high ${bar.high} on ${t.tradeDate}`));
      else if (px < bar.low) findings.push(finding(t.id, 'lastpx', 'PRICE_BELOW_LOW', `${px} below the day's low ${bar.low} on ${t.tradeDate}`));
    }
    return findings;
  }
}

/** side: BUY or SELL, and no sale of more shares than the position holds at that point. */
@Fn({ name: 'side', cpu: 'bound' })
export class Side {
  run(slice: AuditSlice): Finding[] {
    const findings: Finding[] = [];
    let position = slice.openingQuantity;
    for (const t of slice.trades) {
      if (t.side !== 'BUY' && t.side !== 'SELL') {
        findings.push(finding(t.id, 'side', 'INVALID_SIDE', `side ${JSON.stringify(t.side)} is neither BUY nor SELL`));
        continue;
      }
      // A quantity that cannot be booked is the volume rule's finding; it does not move the position.
      if (!bookable(t.quantity)) continue;
      const next = applyTrade(position, t);
      if (next.oversold) findings.push(finding(t.id, 'side', 'OVERSOLD', `sells ${t.quantity} with ${position} held`));
      position = next.position;
    }
    return findings;
  }
}

/** trddate: a real date, not after the audit date, on a day the exchange was open. */
@Fn({ name: 'trddate', cpu: 'bound' })
export class TrdDate {
  run(slice: AuditSlice): Finding[] {
    const findings: Finding[] = [];
    const asOf = dayNumber(slice.account.asOf) as number;
    for (const t of slice.trades) {
      const day = dayNumber(t.tradeDate);
      if (day === undefined) findings.push(finding(t.id, 'trddate', 'INVALID_DATE', `${JSON.stringify(t.tradeDate)} is not a date`));
      else if (day > asOf) findings.push(finding(t.id, 'trddate', 'FUTURE_DATE', `${t.tradeDate} is after the audit date ${slice.account.asOf}`));
      else if (isWeekend(day)) findings.push(finding(t.id, 'trddate', 'WEEKEND', `${t.tradeDate} is a ${dayOfWeek(day) === 6 ? 'Saturday' : 'Sunday'}`));
      else if (isHoliday(t.tradeDate)) findings.push(finding(t.id, 'trddate', 'HOLIDAY', `${t.tradeDate} is an exchange holiday`));
    }
    return findings;
  }
}

/** volume: a positive whole number of shares, at most 10% of the market's volume in the symbol that day. */
@Fn({ name: 'volume', cpu: 'bound' })
export class Volume {
  run(slice: AuditSlice): Finding[] {
    const findings: Finding[] = [];
    for (const t of slice.trades) {
      if (!Number.isInteger(t.quantity) || t.quantity <= 0) {
        findings.push(finding(t.id, 'volume', 'QTY_NOT_POSITIVE_INTEGER', `quantity ${t.quantity} is not a positive whole number of shares`));
        continue;
      }
      const bar = dayBar(t.symbol, t.tradeDate);
      if (bar && t.quantity > VOLUME_LIMIT_SHARE * bar.volume) {
        findings.push(finding(t.id, 'volume', 'QTY_OVER_VOLUME_LIMIT', `${t.quantity} shares is over ${VOLUME_LIMIT_SHARE * 100}% of the day's ${bar.volume}`));
      }
    }
    return findings;
  }
}

/** What the five functions found about one position. */
export type PositionAudit = readonly [Valuation, readonly Finding[], readonly Finding[], readonly Finding[], readonly Finding[]];

/** The audit's result: every finding, and the account's margin (FINRA rule 4210 maintenance requirements). */
export interface AuditReport {
  readonly portfolioType: string;
  readonly portfolio: string;
  readonly asOf: string;
  readonly positions: number;
  readonly trades: number;
  /** Functions run on the positions (5 per position: the fan-out width). */
  readonly invocations: number;
  /** Every finding, ordered by trade id then rule. */
  readonly findings: readonly Finding[];
  readonly findingsByRule: Readonly<Record<RuleName, number>>;
  readonly longMarketValue: number;
  readonly shortMarketValue: number;
  readonly cash: number;
  /** Long value - short value + cash. */
  readonly equity: number;
  /** 25% of the long value + 30% of the short value. */
  readonly maintenanceRequirement: number;
  readonly excessEquity: number;
  /** What the account must deposit now (0 when the equity covers the requirement). */
  readonly marginCall: number;
}

/** marginBalance: gathers every finding and computes the account's margin position. */
@Fn({ name: 'marginBalance', cpu: 'bound' })
export class MarginBalance {
  run(audits: readonly PositionAudit[]): AuditReport {
    const first = audits[0];
    if (!first) throw new RangeError('marginBalance needs the audit of at least one position');
    const account = first[0].account;
    let longMarketValue = 0;
    let shortMarketValue = 0;
    let cash = account.openingCash;
    let trades = 0;
    const findings: Finding[] = [];
    for (const [valuation, ...rules] of audits) {
      if (valuation.marketValue >= 0) longMarketValue += valuation.marketValue;
      else shortMarketValue -= valuation.marketValue;
      cash += valuation.cashFlow;
      trades += valuation.trades;
      for (const found of rules) findings.push(...found);
    }
    findings.sort((a, b) => (a.tradeId < b.tradeId ? -1 : a.tradeId > b.tradeId ? 1 : RULES.indexOf(a.rule) - RULES.indexOf(b.rule)));
    const findingsByRule = Object.fromEntries(RULES.map((r) => [r, findings.filter((f) => f.rule === r).length])) as Record<RuleName, number>;
    const equity = longMarketValue - shortMarketValue + cash;
    const maintenanceRequirement = 0.25 * longMarketValue + 0.3 * shortMarketValue;
    const excessEquity = equity - maintenanceRequirement;
    return {
      portfolioType: account.portfolioType,
      portfolio: account.portfolio,
      asOf: account.asOf,
      positions: audits.length,
      trades,
      invocations: audits.length * 5,
      findings,
      findingsByRule,
      longMarketValue: cents(longMarketValue),
      shortMarketValue: cents(shortMarketValue),
      cash: cents(cash),
      equity: cents(equity),
      maintenanceRequirement: cents(maintenanceRequirement),
      excessEquity: cents(excessEquity),
      marginCall: excessEquity < 0 ? cents(-excessEquity) : 0,
    };
  }
}

const finding = (tradeId: string, rule: RuleName, code: Finding['code'], detail: string): Finding => ({ tradeId, rule, code, detail });
