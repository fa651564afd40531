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

/**
 * The plain class with its fields read-only own properties, as `BaseCommand` makes them (one
 * `Object.defineProperty` each, the object left extensible for @nestjs/cqrs's AsyncContext):
 * the floor for any class with that guarantee.
 */
function readOnlyFieldsClass(name: string): Constructor {
  const define = (target: object, key: string, value: unknown) =>
    Object.defineProperty(target, key, { value, enumerable: true });
  const holder = {
    [name]: class {
      declare readonly requestId: string;
      constructor(props: OrderFields) {
        define(this, 'requestId', randomUUID());
        define(this, 'requestedAt', new Date());
        define(this, 'orderId', props.orderId);
        define(this, 'sku', props.sku);
        define(this, 'quantity', props.quantity);
        define(this, 'email', props.email);
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

export function constructionVariants(): [Variant, Variant, Variant] {
  return [
    constructing('BaseCommand subclass', COMMAND_NAMES.map(baseCommandClass)),
    constructing('plain class + randomUUID()', COMMAND_NAMES.map(plainClass)),
    constructing('plain class, read-only own fields', COMMAND_NAMES.map(readOnlyFieldsClass)),
  ];
}
