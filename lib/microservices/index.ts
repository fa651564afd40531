export {
  injectMessageContext,
  runWithMessageContext,
  messageEnvelope,
  type MessageEnvelope,
} from './message-context.api';
export type { MessageContextHeaders } from './message-context';
export { MessageContextInterceptor } from './message-context.interceptor';
export {
  CqrsEventBridge,
  BrokerEventPublisher,
  type BrokerEventPublisherOptions,
  type EventEmitterClient,
} from './cqrs-event-bridge';
export type { MicroservicesOptions, ConsumerTraceShape } from './microservices.options';
export { DEFAULT_LINK_AFTER_MS } from './microservices.options';
export {
  MessageHeaders,
  MessagingSpanNames,
  MessagingAttributes,
  MessagingMetricNames,
  MessagingMetricLabels,
  MessagingSystems,
  REMOTE_ORIGIN,
  ENVELOPE_HEADERS_KEY,
} from './microservices.constants';
