import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { CreateOrderCommand } from './commands/create-order.command';
import { CreateOrderDto } from './dto/create-order.dto';
import type { Order, OrderPage } from './order';
import { FAILING_EMAIL_SKU, FAILING_SKU, SAGA_KILLER_SKU } from './orders.constants';
import { GetOrderStatsQuery, type OrderStatsView } from './queries/get-order-stats.query';
import { GetOrderQuery } from './queries/get-order.query';
import { ListOrdersQuery } from './queries/list-orders.query';

/** Longest `x-user-id` kept as `requestedBy`; anything longer is not a user id. */
const MAX_USER_ID_LENGTH = 64;

/**
 * Thin on purpose: each route builds one message and dispatches it. Correlation ids, spans,
 * metrics, logs and Sentry reports all come from the library around the buses.
 */
// An invalid message (`GET /orders?page=0`) fails at dispatch with MessageValidationError, a
// BadRequestException: Nest answers 400 with the failing fields, no filter needed.
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  create(@Body() body: CreateOrderDto, @Headers('x-user-id') userId?: string): Promise<Order> {
    return this.commandBus.execute(
      new CreateOrderCommand({
        sku: body.sku,
        quantity: body.quantity,
        email: body.email,
        requestedBy: toRequestedBy(userId),
      }),
    );
  }

  /** Fails inside the command handler on purpose: see an error in every signal. */
  @Post('fail')
  fail(@Headers('x-user-id') userId?: string): Promise<Order> {
    return this.commandBus.execute(
      new CreateOrderCommand({
        sku: FAILING_SKU,
        quantity: 1,
        email: 'demo.customer@example.com',
        requestedBy: toRequestedBy(userId),
      }),
    );
  }

  /** Creates an order whose confirmation e-mail handler fails: a failing event handler. */
  @Post('fail-event')
  @HttpCode(HttpStatus.CREATED)
  failEvent(@Headers('x-user-id') userId?: string): Promise<Order> {
    return this.demoOrder(FAILING_EMAIL_SKU, userId);
  }

  /** Creates an order that kills OrderSaga's stream for the rest of the process. */
  @Post('kill-saga')
  @HttpCode(HttpStatus.CREATED)
  killSaga(@Headers('x-user-id') userId?: string): Promise<Order> {
    return this.demoOrder(SAGA_KILLER_SKU, userId);
  }

  @Get()
  list(@Query('page') page?: string, @Query('pageSize') pageSize?: string): Promise<OrderPage> {
    return this.queryBus.execute(new ListOrdersQuery({ page, pageSize }));
  }

  // Declared before `:id`, which would otherwise take "stats" for an order id.
  @Get('stats')
  stats(): Promise<OrderStatsView> {
    return this.queryBus.execute(new GetOrderStatsQuery());
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<Order> {
    const order = await this.queryBus.execute(new GetOrderQuery({ orderId: id }));
    // A 404 is decided here, not thrown by the handler: the query itself succeeded, and its
    // metrics and logs should say so.
    if (order === undefined) throw new NotFoundException(`Order ${id} not found`);
    return order;
  }

  private demoOrder(sku: string, userId: string | undefined): Promise<Order> {
    return this.commandBus.execute(
      new CreateOrderCommand({
        sku,
        quantity: 1,
        email: 'demo.customer@example.com',
        requestedBy: toRequestedBy(userId),
      }),
    );
  }
}

function toRequestedBy(userId: string | undefined): string | undefined {
  return userId !== undefined && userId.length > 0 && userId.length <= MAX_USER_ID_LENGTH
    ? userId
    : undefined;
}
