/** Operation names emitted by the buses, the event handlers and the sagas. */
export const OperationNames = {
  commandExecute: (command: string) => `command.execute.${command}`,
  queryExecute: (query: string) => `query.execute.${query}`,
  eventDispatch: (event: string) => `event.dispatch.${event}`,
  eventHandler: (event: string, handler: string) => `event.handler.${event}.${handler}`,
  sagaRun: (saga: string) => `saga.run.${saga}`,
  sagaError: (saga: string) => `saga.error.${saga}`,
  eventUnhandled: (event: string) => `event.unhandled.${event}`,
  messageRegistryRegister: 'message_registry.register',
  unhandledException: (causeType: string) => `unhandled_exception.${causeType}`,
} as const;

/** Patterns of the operations that wrap a message; interceptors run on these by default. */
export const MESSAGE_OPERATIONS: readonly string[] = Object.freeze([
  'command.execute.*',
  'query.execute.*',
  'event.dispatch.*',
  'event.handler.*',
  'saga.run.*',
]);

/** Built-in interceptors' priorities: lower runs first (outer). User hooks default to 0. */
export const BuiltInPriority = {
  validation: -1000,
  tracing: -900,
  payload: -850,
  metrics: -800,
  logging: -700,
  sentry: -600,
} as const;
