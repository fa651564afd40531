import { Injectable } from '@nestjs/common';

/** Running totals kept by UpdateOrderStatsHandler: the read side of the demo. */
@Injectable()
export class OrderStats {
  private ordersCreated = 0;
  private unitsOrdered = 0;

  record(quantity: number): void {
    this.ordersCreated += 1;
    this.unitsOrdered += quantity;
  }

  snapshot(): { ordersCreated: number; unitsOrdered: number } {
    return { ordersCreated: this.ordersCreated, unitsOrdered: this.unitsOrdered };
  }
}
