import { IsEmail, IsInt, Matches, Max, Min } from 'class-validator';
import { MAX_QUANTITY, SKU_PATTERN } from '../orders.constants';

/**
 * The HTTP body of `POST /orders`, checked by Nest's ValidationPipe: a bad body is a 400 before
 * any command exists. The command checks the same rules again at dispatch for callers that do
 * not come through HTTP.
 */
export class CreateOrderDto {
  @Matches(SKU_PATTERN, { message: 'sku must be 1 to 32 upper-case letters, digits or dashes' })
  readonly sku!: string;

  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  readonly quantity!: number;

  @IsEmail()
  readonly email!: string;
}
