import { IsInt, IsUUID, Min } from 'class-validator';
import { BaseCommand, type CommandProps } from 'nestjs-cqrs-observability';

/** The warehouse's own command, dispatched by its NATS handler in the orders flow. */
export class ReserveWarehouseStockCommand extends BaseCommand<number> {
  @IsUUID()
  declare readonly orderId: string;

  declare readonly sku: string;

  @IsInt()
  @Min(1)
  declare readonly quantity: number;

  constructor(props: CommandProps<ReserveWarehouseStockCommand>) {
    super(props);
  }
}
