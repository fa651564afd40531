import { AsyncContext, CommandBus, CommandHandler } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import * as classValidator from 'class-validator';
import * as ts from 'typescript';
import { types } from 'node:util';
import { CqrsObservabilityModule, MessageValidationError } from '../../lib';
import * as messages from '../../lib/messages';
import { CqrsModule } from '@nestjs/cqrs';

/**
 * Message classes as users write them, compiled by TypeScript itself with each setting of
 * `useDefineForClassFields` (on by default from target ES2022, which Nest's new projects use).
 */
const SOURCE = `
import { IsInt, Min } from 'class-validator';
import { BaseCommand, BaseEvent } from 'messages';

export class CreateOrder extends BaseCommand<{ id: string }> {
  readonly sku!: string;
  @IsInt() @Min(1) readonly quantity!: number;
  readonly note?: string;
}

export class OrderPlaced extends BaseEvent {
  readonly orderId!: string;
}

export class WithDefault extends BaseCommand<void> {
  readonly channel: string = 'web';
}

export class DeclaredOnly extends BaseCommand<void> {
  declare readonly sku: string;
}
`;

interface Compiled {
  CreateOrder: new (props: object) => {
    sku: string;
    quantity: number;
    note?: string;
    requestId: string;
  };
  OrderPlaced: new (props: object) => { orderId: string; eventId: string };
  WithDefault: new (props: object) => { channel: string };
  DeclaredOnly: new (props: object) => { sku: string };
}

function compile(useDefineForClassFields: boolean): Compiled {
  const { outputText } = ts.transpileModule(SOURCE, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.CommonJS,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      useDefineForClassFields,
    },
  });
  const modules: Record<string, unknown> = {
    'class-validator': classValidator,
    messages,
  };
  const exports: Record<string, unknown> = {};
  const load = (name: string): unknown => modules[name] ?? require(name);
  new Function('require', 'exports', outputText)(load, exports);
  return exports as unknown as Compiled;
}

describe.each([true, false])(
  'fields declared the usual way, useDefineForClassFields: %s',
  (define) => {
    const classes = compile(define);

    it('keep the props given at construction, for every instance of the class', () => {
      for (let instance = 0; instance < 3; instance++) {
        const command = new classes.CreateOrder({ sku: 'A-1', quantity: 2 });
        expect(command.sku).toBe('A-1');
        expect(command.quantity).toBe(2);
        expect(command.note).toBeUndefined();
        expect(JSON.parse(JSON.stringify(command))).toMatchObject({ sku: 'A-1', quantity: 2 });
        const event = new classes.OrderPlaced({ orderId: 'o-1' });
        expect(event.orderId).toBe('o-1');
      }
    });

    it('stay immutable: assignment, redefinition and deletion throw', () => {
      for (let instance = 0; instance < 3; instance++) {
        const command = new classes.CreateOrder({ sku: 'A-1', quantity: 2 });
        expect(() => ((command as { sku: string }).sku = 'B-2')).toThrow(TypeError);
        expect(() => Object.defineProperty(command, 'quantity', { value: 9 })).toThrow(TypeError);
        expect(() => delete (command as { sku?: string }).sku).toThrow(TypeError);
        expect(command.sku).toBe('A-1');
        expect(command.quantity).toBe(2);
      }
    });

    it('can be frozen like any object, first instance of a class or not', () => {
      const classesOfThisTest = compile(define);
      for (let instance = 0; instance < 3; instance++) {
        const command = Object.freeze(
          new classesOfThisTest.CreateOrder({ sku: 'A-1', quantity: 2 }),
        );
        expect(Object.isFrozen(command)).toBe(true);
        expect(command.sku).toBe('A-1');
        expect(() => ((command as { sku: string }).sku = 'B-2')).toThrow(TypeError);
      }
    });

    it('let a field initialiser be the default that a given prop overrides', () => {
      if (!define) {
        // Assignment semantics run \`this.channel = 'web'\` after the props are copied: a given
        // prop is read-only by then, so only the default works (the README says: put defaults in
        // a constructor, \`super({ channel: 'web', ...props })\`).
        expect(new classes.WithDefault({}).channel).toBe('web');
        expect(() => new classes.WithDefault({ channel: 'api' })).toThrow(TypeError);
        return;
      }
      expect(new classes.WithDefault({}).channel).toBe('web');
      expect(new classes.WithDefault({ channel: 'api' }).channel).toBe('api');
    });

    it('keep class-validator decorators and AsyncContext attachment working', () => {
      const invalid = new classes.CreateOrder({ sku: 'A-1', quantity: 0 });
      expect(classValidator.validateSync(invalid).map((error) => error.property)).toEqual([
        'quantity',
      ]);
      const context = new AsyncContext();
      context.attachTo(invalid);
      expect(AsyncContext.of(invalid)).toBe(context);
    });

    it('run through the instrumented CommandBus with validation', async () => {
      const seen: unknown[] = [];
      @CommandHandler(classes.CreateOrder)
      class CreateOrderHandler {
        execute(command: { sku: string; requestId: string }): Promise<{ id: string }> {
          seen.push(command.sku);
          return Promise.resolve({ id: command.requestId });
        }
      }
      const app = await Test.createTestingModule({
        imports: [CqrsModule.forRoot(), CqrsObservabilityModule.forRoot()],
        providers: [CreateOrderHandler],
      }).compile();
      await app.init();
      try {
        const command = new classes.CreateOrder({ sku: 'A-1', quantity: 2 });
        await expect(app.get(CommandBus).execute(command)).resolves.toEqual({
          id: command.requestId,
        });
        expect(seen).toEqual(['A-1']);
        await expect(
          app.get(CommandBus).execute(new classes.CreateOrder({ sku: 'A-1', quantity: 0 })),
        ).rejects.toBeInstanceOf(MessageValidationError);
      } finally {
        await app.close();
      }
    });

    it('cost nothing for classes without field definitions once their shape is known', () => {
      new classes.DeclaredOnly({ sku: 'A-1' });
      const second = new classes.DeclaredOnly({ sku: 'A-1' });
      expect(types.isProxy(second)).toBe(false);
      expect(Object.getOwnPropertyDescriptor(second, 'sku')).toEqual({
        value: 'A-1',
        writable: false,
        enumerable: true,
        configurable: false,
      });
    });
  },
);
