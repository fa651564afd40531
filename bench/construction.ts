import { randomUUID } from 'node:crypto';
import { BaseCommand } from '../lib';
import { COMMAND_NAMES, type OrderFields } from './bench-app';
import type { Variant } from './harness';

type Constructor = new (props: OrderFields) => object;

function baseCommandClass(name: string): Constructor {
  const holder = { [name]: class extends BaseCommand<unknown, OrderFields> {} };
  return holder[name]!;
}

/** What an app writes without the library: the same fields, a generated id and a timestamp. */
function plainClass(name: string): Constructor {
  const holder = {
    [name]: class {
      readonly requestId: string;
      readonly requestedAt: Date;
      readonly orderId: string;
      readonly sku: string;
      readonly quantity: number;
      readonly email: string;
      constructor(props: OrderFields) {
        this.requestId = randomUUID();
        this.requestedAt = new Date();
        this.orderId = props.orderId;
        this.sku = props.sku;
        this.quantity = props.quantity;
        this.email = props.email;
      }
    },
  };
  return holder[name]!;
}

/** Kept alive so the constructions are not optimised away. */
const sink: object[] = new Array(8);

function constructing(name: string, classes: readonly Constructor[]): Variant {
  // A class's first instance goes through the class-field guard's Proxy: not the steady state.
  for (const Class of classes) for (let k = 0; k < 3; k++) sink[k] = new Class(PROPS);
  const construct = (i: number): void => {
    const slot = i & 7;
    sink[slot] = new classes[slot]!({
      orderId: 'order-1',
      sku: 'SKU-1',
      quantity: 2,
      email: 'someone@example.com',
    });
  };
  return {
    name,
    dispatch: () => {
      construct(0);
      return DONE;
    },
    loop: (iterations) => {
      for (let i = 0; i < iterations; i++) construct(i);
    },
    close: () => DONE,
  };
}

const PROPS: OrderFields = {
  orderId: 'order-1',
  sku: 'SKU-1',
  quantity: 2,
  email: 'someone@example.com',
};
const DONE: Promise<void> = Promise.resolve();

export function constructionVariants(): [Variant, Variant] {
  return [
    constructing('BaseCommand subclass', COMMAND_NAMES.map(baseCommandClass)),
    constructing('plain class + randomUUID()', COMMAND_NAMES.map(plainClass)),
  ];
}
