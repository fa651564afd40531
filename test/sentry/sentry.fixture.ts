import { HttpException } from '@nestjs/common';
import {
  CommandBus,
  CommandHandler,
  EventsHandler,
  type ICommandHandler,
  type IEventHandler,
} from '@nestjs/cqrs';
import * as Sentry from '@sentry/nestjs';
import { BaseCommand, BaseEvent } from '../../lib';
import { PlaceOrderCommand } from '../fixtures/orders.fixture';

/** Fails with an `HttpException` of the given status. */
export class ChargeCardCommand extends BaseCommand<void> {
  declare readonly status: number;
}

@CommandHandler(ChargeCardCommand)
export class ChargeCardHandler implements ICommandHandler<ChargeCardCommand> {
  async execute(command: ChargeCardCommand): Promise<void> {
    throw new HttpException(`card declined (${command.status})`, command.status);
  }
}

/** Its handler runs a failing command and lets the error through: one error, two operations. */
export class RelayFailureEvent extends BaseEvent {}

@EventsHandler(RelayFailureEvent)
export class RelayFailureHandler implements IEventHandler<RelayFailureEvent> {
  constructor(private readonly commandBus: CommandBus) {}
  async handle(): Promise<void> {
    await this.commandBus.execute(
      new PlaceOrderCommand({ sku: 'R-1', quantity: 1, mode: 'reject' }),
    );
  }
}

/** Its handler fails with a 404: an answer, not a bug, even after the EventBus swallows it. */
export class LookupMissedEvent extends BaseEvent {}

@EventsHandler(LookupMissedEvent)
export class LookupMissedHandler implements IEventHandler<LookupMissedEvent> {
  async handle(): Promise<void> {
    throw new HttpException('not found', 404);
  }
}

/** The application reports this failure to Sentry itself before throwing it. */
export class SelfReportedCommand extends BaseCommand<void> {}

@CommandHandler(SelfReportedCommand)
export class SelfReportedHandler implements ICommandHandler<SelfReportedCommand> {
  static readonly error = new Error('reported by the handler');
  async execute(): Promise<void> {
    Sentry.captureException(SelfReportedHandler.error);
    throw SelfReportedHandler.error;
  }
}

export const SENTRY_FIXTURE_HANDLERS = [
  ChargeCardHandler,
  RelayFailureHandler,
  LookupMissedHandler,
  SelfReportedHandler,
];
