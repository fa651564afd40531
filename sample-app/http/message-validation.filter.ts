import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { MessageValidationError } from 'nestjs-cqrs-observability';

/** Body of the 400 answered for a message that failed validation at dispatch. */
export interface MessageValidationResponse {
  readonly statusCode: 400;
  readonly error: 'Bad Request';
  readonly message: string;
  readonly errors: ReadonlyArray<{
    readonly property: string;
    readonly constraints: Readonly<Record<string, string>>;
  }>;
}

/**
 * A message the caller built from bad input (`GET /orders?page=0`) fails at dispatch with
 * `MessageValidationError`; that is the client's mistake, so it becomes a 400 listing each
 * field instead of Nest's default 500. The error never holds the values, so echoing it is safe.
 */
@Catch(MessageValidationError)
export class MessageValidationFilter implements ExceptionFilter<MessageValidationError> {
  catch(error: MessageValidationError, host: ArgumentsHost): void {
    const body: MessageValidationResponse = {
      statusCode: HttpStatus.BAD_REQUEST,
      error: 'Bad Request',
      message: `${error.messageType} failed validation`,
      errors: error.errors.map(({ property, constraints }) => ({ property, constraints })),
    };
    host.switchToHttp().getResponse<Response>().status(HttpStatus.BAD_REQUEST).json(body);
  }
}
