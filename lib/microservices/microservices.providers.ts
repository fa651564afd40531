import type { Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CqrsEventBridge } from './cqrs-event-bridge';
import { MessageContextInterceptor } from './message-context.interceptor';
import { MessagePropagationService } from './message-propagation.service';
import { RemoteOriginInterceptor } from './remote-origin.interceptor';

/** Providers of cross-service propagation, for the module's `providers`. */
export const MICROSERVICES_PROVIDERS: Provider[] = [
  MessagePropagationService,
  MessageContextInterceptor,
  // Applies to every handler of a standalone microservice (and of a hybrid app's connected
  // microservice with `inheritAppConfig: true`); HTTP and other contexts pass straight through.
  { provide: APP_INTERCEPTOR, useExisting: MessageContextInterceptor },
  RemoteOriginInterceptor,
  CqrsEventBridge,
];

/** What the module exports of it. */
// The service too: `@UseInterceptors(MessageContextInterceptor)` builds the interceptor in the
// controller's module, which must resolve its dependency.
export const MICROSERVICES_EXPORTS = [
  MessageContextInterceptor,
  CqrsEventBridge,
  MessagePropagationService,
];
