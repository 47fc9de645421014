/** Example applications of Faastlane. Run them with `pnpm demo`; measure them with `pnpm bench`. */
export { ordersReport, sampleOrders } from './orders/workflow.js';
