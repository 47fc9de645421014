/**
 * FINRA audit, the paper's first application, at the widths the paper measured (5, 100, 200).
 *
 * ```
 * fetchPortfolio -> map over positions ( parallel( marketdata, lastpx, side, trddate, volume ) ) -> marginBalance
 * ```
 * The paper's workflow is one Parallel state of `width` branches (20 x the five functions for
 * FINRA-100), each of which read the whole portfolio. Here the portfolio is split by position and
 * each position gets the five functions, so the fan-out is the same (5 x positions invocations) and
 * every invocation does its own share of the audit.
 */
import { map, parallel, task, workflow, type Workflow } from '@faastlane/dsl';
import type { App } from '../app.js';
import { AuditRequest, FetchPortfolio, LastPx, MarginBalance, MarketData, Side, TrdDate, Volume, type AuditReport } from './functions.js';
import { generatePortfolio, type InjectedViolation } from './portfolio.js';

export { AuditRequest, DEFAULT_POSITIONS, type AuditReport, type PositionAudit, type Valuation } from './functions.js';
export { generatePortfolio, type Finding, type FindingCode, type InjectedViolation, type RuleName } from './portfolio.js';

/** The FINRA audit workflow (the same graph at every width: the width is the number of positions x 5). */
export function finraWorkflow(name = 'finra'): Workflow<AuditRequest, AuditReport> {
  return workflow(name).pipe(
    task(FetchPortfolio),
    map(parallel(task(MarketData), task(LastPx), task(Side), task(TrdDate), task(Volume)), { name: 'positions' }),
    task(MarginBalance),
  );
}

/** The paper's input, sized for a fan-out of `width` invocations. */
export function finraInput(width: number): AuditRequest {
  return { portfolioType: 'S&P', portfolio: '1234', positions: positionsOf(width) };
}

/**
 * The FINRA audit at `width` (a multiple of 5 up to 250): `width / 5` positions, five functions each.
 * Its check compares the findings with the violations the portfolio generator booked: all of them, nothing else.
 */
export function finraApp(width: number): App<AuditRequest, AuditReport> {
  const positions = positionsOf(width);
  return {
    name: `finra-${width}`,
    description: `FINRA audit of ${positions} position(s): marketdata + 4 trade rules per position (${width} invocations), then marginBalance`,
    workflow: finraWorkflow(`finra-${width}`),
    input: () => finraInput(width),
    summarize: (out) =>
      `${out.positions} positions, ${out.trades} trades, ${out.invocations} invocations: ${out.findings.length} findings ` +
      `(${Object.entries(out.findingsByRule).map(([r, n]) => `${r} ${n}`).join(', ')}); equity $${out.equity.toFixed(2)}, ` +
      (out.marginCall > 0 ? `margin call $${out.marginCall.toFixed(2)}` : `excess $${out.excessEquity.toFixed(2)}`),
    check: (out) => {
      const input = finraInput(width);
      if (out.invocations !== width) throw new Error(`expected ${width} invocations, the audit reports ${out.invocations}`);
      const expected = generatePortfolio(input.portfolioType, input.portfolio, positions).injected;
      const problems = compareFindings(out, expected);
      if (problems.length > 0) throw new Error(`FINRA-${width} audit findings are wrong: ${problems.join('; ')}`);
    },
  };
}

/** What differs between an audit's findings and the violations that were booked (empty when they agree). */
export function compareFindings(out: AuditReport, expected: readonly InjectedViolation[]): string[] {
  const key = (v: { tradeId: string; rule: string; code: string }): string => `${v.tradeId} ${v.rule} ${v.code}`;
  const found = out.findings.map(key);
  const wanted = new Set(expected.map(key));
  const problems: string[] = [];
  for (const k of wanted) if (!found.includes(k)) problems.push(`missed ${k}`);
  for (const k of found) if (!wanted.has(k)) problems.push(`unexpected ${k}`);
  if (new Set(found).size !== found.length) problems.push('a finding is reported twice');
  return problems;
}

function positionsOf(width: number): number {
  if (!Number.isInteger(width) || width < 5 || width > 250 || width % 5 !== 0) {
    throw new RangeError(`FINRA width must be a multiple of 5 from 5 to 250, got ${width}`);
  }
  return width / 5;
}

/** The widths the paper measured. */
export const finra5 = finraApp(5);
export const finra100 = finraApp(100);
export const finra200 = finraApp(200);
