import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputValidationError, Runtime, type WorkflowEvent } from '@faastlane/core';
import { compareFindings, finra100, finra200, finra5, finraApp, finraInput, type AuditReport } from '@faastlane/examples/apps/finra/app';
import { LastPx, Side, TrdDate, Volume } from '@faastlane/examples/apps/finra/functions';
import { AS_OF, TRADING_DAYS, dayBar, priceHistory } from '@faastlane/examples/apps/finra/market';
import { generatePortfolio, type AuditSlice, type Trade } from '@faastlane/examples/apps/finra/portfolio';

let rt: Runtime;
beforeAll(async () => {
  rt = await Runtime.create({ workerThreads: 2 });
});
afterAll(() => rt.close());

const keys = (out: AuditReport): string[] => out.findings.map((f) => `${f.tradeId} ${f.rule} ${f.code}`);

describe('the FINRA audit finds exactly the violations booked into the portfolio', () => {
  test('FINRA-5: one position, the five functions once each, two findings', async () => {
    const out = await rt.invoke(finra5.workflow, await finra5.input());
    expect(await finra5.input()).toEqual({ portfolioType: 'S&P', portfolio: '1234', positions: 1 });
    expect(out).toMatchObject({ portfolioType: 'S&P', portfolio: '1234', asOf: '2024-06-28', positions: 1, trades: 12, invocations: 5 });
    // Written down by hand from the generator's output, so a change to it shows up here.
    expect(keys(out)).toEqual(['1234-CRM-08 side INVALID_SIDE', '1234-CRM-10 lastpx PRICE_ABOVE_HIGH']);
    expect(out.findings[1]?.detail).toBe("401.46 above the day's high 393.58 on 2024-06-20");
    expect(() => finra5.check(out)).not.toThrow();
  });

  test('FINRA-100: 20 positions x 5 functions, 30 findings of every kind booked', async () => {
    const run = rt.start(finra100.workflow, await finra100.input());
    const events: WorkflowEvent[] = [];
    run.events$.subscribe((e) => events.push(e));
    const out = await run.result;
    expect(out).toMatchObject({ positions: 20, trades: 240, invocations: 100 });
    expect(out.findingsByRule).toEqual({ lastpx: 7, side: 7, trddate: 9, volume: 7 });
    expect(out.findings).toHaveLength(30);
    expect(new Set(out.findings.map((f) => f.code))).toEqual(
      new Set(['PRICE_ABOVE_HIGH', 'PRICE_BELOW_LOW', 'INVALID_SIDE', 'OVERSOLD', 'WEEKEND', 'HOLIDAY', 'FUTURE_DATE', 'QTY_OVER_VOLUME_LIMIT', 'QTY_NOT_POSITIVE_INTEGER']),
    );
    const injected = generatePortfolio('S&P', '1234', 20).injected;
    expect(injected).toHaveLength(30);
    expect(compareFindings(out, injected)).toEqual([]);
    expect(() => finra100.check(out)).not.toThrow();

    // The fan-out is the paper's width: 100 invocations of the five functions, 20 of each.
    const completed = events.filter((e) => e.type === 'step.completed' && e.path.startsWith('finra-100/positions['));
    expect(completed).toHaveLength(100);
    for (const fn of ['marketdata', 'lastpx', 'side', 'trddate', 'volume']) {
      expect(completed.filter((e) => e.type === 'step.completed' && e.path.endsWith(`/${fn}`))).toHaveLength(20);
    }

    // The margin arithmetic (FINRA rule 4210 maintenance: 25% long, 30% short).
    const near = (a: number, b: number): void => expect(Math.abs(a - b)).toBeLessThan(0.02);
    near(out.equity, out.longMarketValue - out.shortMarketValue + out.cash);
    near(out.maintenanceRequirement, 0.25 * out.longMarketValue + 0.3 * out.shortMarketValue);
    near(out.excessEquity, out.equity - out.maintenanceRequirement);
    expect(out.marginCall).toBe(out.excessEquity < 0 ? -out.excessEquity : 0);
    // The oversold positions end short.
    expect(out.shortMarketValue).toBeGreaterThan(0);
  });

  test('FINRA-200: 40 positions, 60 findings; the same positions as FINRA-100 give the same findings', async () => {
    const out = await rt.invoke(finra200.workflow, await finra200.input());
    expect(out).toMatchObject({ positions: 40, trades: 480, invocations: 200 });
    expect(out.findingsByRule).toEqual({ lastpx: 14, side: 13, trddate: 20, volume: 13 });
    expect(() => finra200.check(out)).not.toThrow();
    const first20 = await rt.invoke(finra100.workflow, await finra100.input());
    expect(keys(out)).toEqual(expect.arrayContaining(keys(first20)));
  });

  test('results are deterministic run after run', async () => {
    const a = await rt.invoke(finra100.workflow, await finra100.input());
    const b = await rt.invoke(finra100.workflow, await finra100.input());
    expect(b).toEqual(a);
    expect(generatePortfolio('S&P', '1234', 20)).toEqual(generatePortfolio('S&P', '1234', 20));
  });

  test('a wrong result fails the app check', async () => {
    const out = await rt.invoke(finra5.workflow, await finra5.input());
    expect(() => finra5.check({ ...out, findings: out.findings.slice(1) })).toThrow(/missed 1234-CRM-08 side INVALID_SIDE/);
    expect(() => finraApp(7)).toThrow(RangeError);
  });
});

describe('the rules on hand-made trades', () => {
  const account = { portfolioType: 'S&P', portfolio: '9', asOf: AS_OF, openingCash: 0 };
  const bar = dayBar('AAPL', '2024-06-03');
  const trade = (n: number, over: Partial<Trade>): Trade => ({
    id: `T-${n}`, symbol: 'AAPL', side: 'BUY', quantity: 100, lastPx: bar?.close ?? 1, tradeDate: '2024-06-03', ...over,
  });
  const slice: AuditSlice = {
    account,
    symbol: 'AAPL',
    openingQuantity: 500,
    trades: [
      trade(1, {}),
      trade(2, { lastPx: 1.23456 }),
      trade(3, { lastPx: (bar?.low ?? 0) - 0.01 }),
      trade(4, { side: 'sell' }),
      trade(5, { side: 'SELL', quantity: 900 }),
      trade(6, { tradeDate: '2024-02-30' }),
      trade(7, { tradeDate: '2024-07-04' }),
      trade(8, { tradeDate: '2024-06-22' }),
      trade(9, { tradeDate: '2024-05-27' }),
      trade(10, { quantity: -5 }),
      trade(11, { quantity: 10_000_000 }),
    ],
  };
  const codes = (fs: readonly { tradeId: string; code: string }[]): string[] => fs.map((f) => `${f.tradeId} ${f.code}`);

  test('each rule reports its own violations and nothing else', () => {
    expect(bar).toBeDefined();
    expect(codes(new LastPx().run(slice))).toEqual(['T-2 PRICE_INVALID', 'T-3 PRICE_BELOW_LOW']);
    expect(codes(new Side().run(slice))).toEqual(['T-4 INVALID_SIDE', 'T-5 OVERSOLD']);
    expect(codes(new TrdDate().run(slice))).toEqual(['T-6 INVALID_DATE', 'T-7 FUTURE_DATE', 'T-8 WEEKEND', 'T-9 HOLIDAY']);
    expect(codes(new Volume().run(slice))).toEqual(['T-10 QTY_NOT_POSITIVE_INTEGER', 'T-11 QTY_OVER_VOLUME_LIMIT']);
  });

  test('the seeded price feed is consistent: every bar has low <= open, close <= high, and no bar off the calendar', () => {
    expect(TRADING_DAYS[TRADING_DAYS.length - 1]).toBe(AS_OF);
    expect(TRADING_DAYS).not.toContain('2024-05-27');
    for (const symbol of ['AAPL', 'MSFT', 'CRM']) {
      for (const b of priceHistory(symbol)) {
        expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
        expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close));
        expect(b.volume).toBeGreaterThan(0);
      }
    }
    expect(dayBar('AAPL', '2024-06-22')).toBeUndefined();
    expect(dayBar('AAPL', '2024-07-01')).toBeUndefined();
  });

  test('the input is validated before the portfolio is fetched', async () => {
    const error = await rt.invoke(finra5.workflow, { ...finraInput(5), portfolioType: 'FTSE' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).stepPath).toBe('finra-5/fetchPortfolio');
  });
});

describe('placement', () => {
  test('the fan-out runs on worker threads; fetchPortfolio and marginBalance on the calling thread', async () => {
    // A fresh runtime: measured durations could move these short functions back to the event loop.
    const fresh = await Runtime.create({ workerThreads: 2 });
    try {
      const plan = fresh.plan(finra100.workflow);
      const placements = Object.fromEntries(plan.tasks().map((t) => [t.name, t.placement]));
      expect(placements).toEqual({
        fetchPortfolio: 'main-thread', marketdata: 'worker-thread', lastpx: 'worker-thread', side: 'worker-thread',
        trddate: 'worker-thread', volume: 'worker-thread', marginBalance: 'main-thread',
      });
      expect(plan.root.steps[1]).toMatchObject({ kind: 'group', op: 'map', name: 'positions', executor: 'worker-threads' });
      expect(plan.explain()).toMatch(/parallel: 5 branches -> worker-threads/);
    } finally {
      await fresh.close();
    }
  });

  test('FINRA-100 runs in the function-per-container baseline too, with the same findings', async () => {
    const baseline = await Runtime.create({ mode: 'function-per-container' });
    try {
      expect(new Set(baseline.plan(finra100.workflow).tasks().map((t) => t.placement))).toEqual(new Set(['container']));
      const out = await baseline.invoke(finra100.workflow, await finra100.input());
      expect(() => finra100.check(out)).not.toThrow();
      expect(out).toEqual(await rt.invoke(finra100.workflow, await finra100.input()));
    } finally {
      await baseline.close();
    }
  });
});
