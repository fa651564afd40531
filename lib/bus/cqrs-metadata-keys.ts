/**
 * The reflect-metadata keys @nestjs/cqrs's decorators write on handler and saga classes.
 * @nestjs/cqrs does not export them (12.x no longer exposes its `dist/` paths at all), so they
 * are spelled here; `test/bus/cqrs-metadata-keys.spec.ts` proves them against the installed
 * decorators.
 */
export const COMMAND_HANDLER_METADATA = '__commandHandler__';
export const QUERY_HANDLER_METADATA = '__queryHandler__';
export const EVENTS_HANDLER_METADATA = '__eventsHandler__';
export const SAGA_METADATA = '__saga__';
