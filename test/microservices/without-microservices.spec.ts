import { Controller, Get, Module } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CqrsModule } from '@nestjs/cqrs';
import { CqrsObservabilityModule, InvalidObservabilityOptionError } from '../../lib';
import { resolveObservabilityOptions } from '../../lib/options';
import { PlaceOrderCommand, ORDER_HANDLERS, Recorder } from '../fixtures/orders.fixture';
import { missingPackages } from '../utils/missing-packages.module';

@Controller()
class PingController {
  @Get('ping')
  ping() {
    return { ok: true };
  }
}

@Module({ controllers: [PingController] })
class PingModule {}

describe('cross-service propagation is optional', () => {
  it('leaves an app without @nestjs/microservices working: HTTP and the buses', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        missingPackages('@nestjs/microservices'),
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot(),
        PingModule,
      ],
      providers: [...ORDER_HANDLERS],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      await request(app.getHttpServer()).get('/ping').expect(200, { ok: true });
      await app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'A', quantity: 1 }));
      expect(app.get(Recorder).calls).toContain('PlaceOrderHandler');
    } finally {
      await app.close();
    }
  });

  it('names the option in a validation error', () => {
    expect(() => resolveObservabilityOptions({ microservices: { linkAfterMs: -1 } })).toThrow(
      InvalidObservabilityOptionError,
    );
    expect(() => resolveObservabilityOptions({ microservices: { linkAfterMs: -1 } })).toThrow(
      /microservices\.linkAfterMs/,
    );
    expect(() =>
      resolveObservabilityOptions({ microservices: { consumerTraceByPattern: { a: 'sibling' } } }),
    ).toThrow(/microservices\.consumerTraceByPattern\.a/);
    expect(() => resolveObservabilityOptions({ microservices: { unknown: 1 } })).toThrow(
      /microservices/,
    );
    expect(resolveObservabilityOptions({}).microservices).toEqual({
      consumerTrace: 'child',
      consumerTraceByPattern: {},
      linkAfterMs: 120_000,
      maxPatterns: 200,
    });
  });
});
