import { Injectable } from '@nestjs/common';
import type { Order, OrderStatus } from './order';

// An in-memory store that forgets its oldest entries: a demo left running under a load test
// must not grow without bound.
const MAX_ORDERS = 10_000;
const MAX_SKUS = 1_000;

/** Orders and reserved stock, in memory. */
@Injectable()
export class OrdersRepository {
  private readonly orders = new Map<string, Order>();
  private readonly reservedBySku = new Map<string, number>();

  save(order: Order): void {
    this.orders.set(order.id, order);
    evictOldest(this.orders, MAX_ORDERS);
  }

  findById(id: string): Order | undefined {
    return this.orders.get(id);
  }

  list(offset: number, limit: number): { items: Order[]; total: number } {
    const all = [...this.orders.values()];
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  setStatus(id: string, status: OrderStatus): void {
    const order = this.orders.get(id);
    // Orders are immutable values: callers holding an earlier one never see it change.
    if (order !== undefined) this.orders.set(id, { ...order, status });
  }

  reserveStock(sku: string, quantity: number): number {
    const reserved = (this.reservedBySku.get(sku) ?? 0) + quantity;
    this.reservedBySku.delete(sku);
    this.reservedBySku.set(sku, reserved);
    evictOldest(this.reservedBySku, MAX_SKUS);
    return reserved;
  }
}

function evictOldest<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
  }
}
