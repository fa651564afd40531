import {
  currentStore as clsStore,
  runWithStore,
  writableStore as writableClsStore,
} from './cls-store';
import { ID_FORMAT_DESCRIPTION } from '../shared/id-format';
import { generateCorrelationId, isValidCorrelationId } from './correlation-id';
import {
  CAUSATION_ID,
  CORRELATION_ID,
  HANDLED_MESSAGE_ID,
  HANDLED_MESSAGE_TYPE,
  REQUEST_TENANT_ID,
  TENANT_ID,
} from './correlation.internal-constants';

/** The correlation variables of the current context, for handing to background work. */
export interface ContextVars {
  correlationId?: string;
  causationId?: string;
  /** The flow's tenant (option `tenant`), carried into the work like the correlation id. */
  tenantId?: string;
}

type Store = Record<symbol, string | undefined>;

function currentStore(): Store | undefined {
  return clsStore() as Store | undefined;
}

/** The id of the whole flow, or undefined outside any flow. */
export function getCorrelationId(): string | undefined {
  return currentStore()?.[CORRELATION_ID];
}

/**
 * The causation id of the message being handled (its parent's message id); outside a
 * handler, the one set with `setCausationId()`.
 */
export function getCausationId(): string | undefined {
  return currentStore()?.[CAUSATION_ID];
}

/**
 * Sets the correlation id of the current context. Outside any nestjs-cls context, a new one
 * is entered for the rest of the current asynchronous execution (like setting a ContextVar);
 * prefer `runWithContext()` for background work.
 */
export function setCorrelationId(correlationId: string): void {
  assertId('correlationId', correlationId);
  writableStore()[CORRELATION_ID] = correlationId;
}

/** Sets the causation id of the current context (see `setCorrelationId()` for scope). */
export function setCausationId(causationId: string): void {
  assertId('causationId', causationId);
  writableStore()[CAUSATION_ID] = causationId;
}

/** A snapshot of the correlation variables, to restore in work started from here. */
export function getContextVars(): ContextVars {
  const store = currentStore();
  const vars: ContextVars = {};
  const correlationId = store?.[CORRELATION_ID];
  const causationId = store?.[HANDLED_MESSAGE_ID] ?? store?.[CAUSATION_ID];
  if (correlationId !== undefined) vars.correlationId = correlationId;
  // What a background task dispatches is caused by the message being handled here.
  if (causationId !== undefined) vars.causationId = causationId;
  const tenantId = store?.[TENANT_ID] ?? store?.[REQUEST_TENANT_ID];
  if (tenantId !== undefined) vars.tenantId = tenantId;
  return vars;
}

/** Restores a snapshot taken with `getContextVars()` in the current context. */
export function setContextVars(vars: ContextVars): void {
  assertVars(vars);
  const store = writableStore();
  if (vars.correlationId !== undefined) store[CORRELATION_ID] = vars.correlationId;
  if (vars.causationId !== undefined) store[CAUSATION_ID] = vars.causationId;
  if (vars.tenantId !== undefined) store[TENANT_ID] = vars.tenantId;
}

/**
 * Runs `fn` in a context of its own holding `vars` (a missing correlation id is generated),
 * for background jobs, timers and consumers. The caller's context is not touched.
 */
export function runWithContext<T>(vars: ContextVars, fn: () => T): T {
  assertVars(vars);
  if (typeof fn !== 'function')
    throw new TypeError('runWithContext(vars, fn): fn must be a function');
  return runWithStore(
    {
      [CORRELATION_ID]: vars.correlationId ?? generateCorrelationId(),
      [CAUSATION_ID]: vars.causationId,
      [TENANT_ID]: vars.tenantId,
      [HANDLED_MESSAGE_ID]: undefined,
      [HANDLED_MESSAGE_TYPE]: undefined,
    },
    fn,
  );
}

function writableStore(): Store {
  return writableClsStore() as Store;
}

function assertId(name: string, value: unknown): void {
  if (!isValidCorrelationId(value)) {
    throw new TypeError(
      `${name} must be ${ID_FORMAT_DESCRIPTION}; received ${typeof value === 'string' ? `a string of ${value.length} characters` : typeof value}`,
    );
  }
}

function assertVars(vars: ContextVars): void {
  if (vars === null || typeof vars !== 'object') {
    throw new TypeError(
      'context vars must be an object { correlationId?, causationId?, tenantId? }',
    );
  }
  if (vars.correlationId !== undefined) assertId('correlationId', vars.correlationId);
  if (vars.causationId !== undefined) assertId('causationId', vars.causationId);
  if (vars.tenantId !== undefined) assertId('tenantId', vars.tenantId);
}
