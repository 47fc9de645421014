import 'reflect-metadata';
import { IsInt, IsNumber, IsPositive, IsString, Length, Min } from 'class-validator';
import { Fn, type FnContext } from '@faastlane/dsl';

/** One order line, validated before it is priced. */
export class Order {
  @IsString() @Length(1, 40) customer!: string;
  @IsString() sku!: string;
  @IsInt() @Min(1) quantity!: number;
  @IsNumber() @IsPositive() unitPrice!: number;
}

export interface PricedOrder extends Order {
  readonly net: number;
  readonly tax: number;
  readonly gross: number;
}

export interface Totals {
  readonly orders: number;
  readonly net: number;
  readonly tax: number;
  readonly gross: number;
}

export interface CustomerTotal {
  readonly customer: string;
  readonly gross: number;
}

export interface Flag {
  readonly customer: string;
  readonly sku: string;
  readonly reason: string;
}

export interface Report {
  readonly totals: Totals;
  readonly topCustomers: readonly CustomerTotal[];
  readonly flags: readonly Flag[];
}

/** Parses `customer,sku,quantity,unitPrice` lines. */
@Fn({ cpu: 'bound' })
export class ParseOrders {
  run(csv: string): Order[] {
    return csv
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const [customer = '', sku = '', quantity = '', unitPrice = ''] = line.split(',');
        return Object.assign(new Order(), { customer, sku, quantity: Number(quantity), unitPrice: Number(unitPrice) });
      });
  }
}

/** Prices one order. Looks up the tax rate of its SKU's category, as a real service would over the network. */
@Fn({ cpu: 'io', timeoutMs: 1_000, retries: 2 })
export class PriceOrder {
  @Fn()
  async run(order: Order, ctx: FnContext): Promise<PricedOrder> {
    const rate = await taxRateOf(order.sku, ctx.signal);
    const net = round(order.quantity * order.unitPrice);
    const tax = round(net * rate);
    return { ...order, net, tax, gross: round(net + tax) };
  }
}

@Fn()
export class SumTotals {
  run(orders: readonly PricedOrder[]): Totals {
    const sum = (f: (o: PricedOrder) => number): number => round(orders.reduce((a, o) => a + f(o), 0));
    return { orders: orders.length, net: sum((o) => o.net), tax: sum((o) => o.tax), gross: sum((o) => o.gross) };
  }
}

@Fn()
export class TopCustomers {
  run(orders: readonly PricedOrder[]): CustomerTotal[] {
    const by = new Map<string, number>();
    for (const o of orders) by.set(o.customer, (by.get(o.customer) ?? 0) + o.gross);
    return [...by].map(([customer, gross]) => ({ customer, gross: round(gross) })).sort((a, b) => b.gross - a.gross).slice(0, 3);
  }
}

/** Flags orders far above the median order value. */
@Fn()
export class FlagOutliers {
  run(orders: readonly PricedOrder[]): Flag[] {
    const sorted = orders.map((o) => o.gross).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    return orders.filter((o) => o.gross > 5 * median).map((o) => ({ customer: o.customer, sku: o.sku, reason: `gross ${o.gross} > 5x median ${median}` }));
  }
}

@Fn()
export class BuildReport {
  run([totals, topCustomers, flags]: readonly [Totals, CustomerTotal[], Flag[]]): Report {
    return { totals, topCustomers, flags };
  }
}

const TAX_RATES: Readonly<Record<string, number>> = { book: 0.07, food: 0.05, tool: 0.2 };

function taxRateOf(sku: string, signal: AbortSignal): Promise<number> {
  const category = sku.split('-')[0] ?? '';
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(TAX_RATES[category] ?? 0.19);
    }, 2);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const round = (n: number): number => Math.round(n * 100) / 100;
