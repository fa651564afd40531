/** The context of every line the library logs through Nest's `Logger`, its CQRS lines included. */
export const LOGGER_CONTEXT = 'CqrsObservability';
