import { map, parallel, task, workflow } from '@faastlane/dsl';
import { BuildReport, FlagOutliers, ParseOrders, PriceOrder, SumTotals, TopCustomers } from './functions.js';

/** CSV in, report out: a sequence with a map (price each order) and a parallel group (three analyses). */
export const ordersReport = workflow('orders-report').pipe(
  task(ParseOrders),
  map(task(PriceOrder), { concurrency: 8 }),
  parallel(task(SumTotals), task(TopCustomers), task(FlagOutliers)),
  task(BuildReport),
);

/** A deterministic CSV of `count` orders. */
export function sampleOrders(count: number): string {
  const customers = ['ada', 'grace', 'linus', 'barbara', 'ken', 'margaret'];
  const skus = ['book-sicp', 'food-coffee', 'tool-hammer', 'book-taocp', 'gift-card'];
  const lines = ['customer,sku,quantity,unitPrice'];
  for (let i = 0; i < count; i++) {
    const quantity = i % 17 === 0 ? 40 : (i % 4) + 1;
    lines.push(`${customers[i % customers.length]},${skus[(i * 7) % skus.length]},${quantity},${(5 + ((i * 37) % 50)).toFixed(2)}`);
  }
  return lines.join('\n');
}
