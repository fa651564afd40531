import { IsInt, IsUUID, Min } from 'class-validator';
import { BaseCommand, type CommandProps } from 'nestjs-cqrs-observability';

/** Sent by OrderSaga for each created order. */
export class ReserveStockCommand extends BaseCommand<void> {
  @IsUUID()
  declare readonly orderId: string;

  declare readonly sku: string;

  @IsInt()
  @Min(1)
  declare readonly quantity: number;

  constructor(props: CommandProps<ReserveStockCommand>) {
    super(props);
  }
}
