import { OperationNames } from './operations';

/** Per-class names, computed once: dispatching builds no strings. */
export class MessageTypeInfo {
  readonly commandOperation: string;
  readonly queryOperation: string;
  readonly dispatchOperation: string;
  private readonly handlerOperations = new Map<string, string>();

  constructor(readonly name: string) {
    this.commandOperation = OperationNames.commandExecute(name);
    this.queryOperation = OperationNames.queryExecute(name);
    this.dispatchOperation = OperationNames.eventDispatch(name);
  }

  handlerOperation(handler: string): string {
    let operation = this.handlerOperations.get(handler);
    if (operation === undefined) {
      operation = OperationNames.eventHandler(this.name, handler);
      this.handlerOperations.set(handler, operation);
    }
    return operation;
  }
}

const byClass = new WeakMap<object, MessageTypeInfo>();

/** Names of a message's class; never throws, whatever the value (a Proxy, null, a primitive). */
export function messageTypeOf(message: unknown): MessageTypeInfo {
  const type = classOf(message);
  if (type === undefined) return new MessageTypeInfo(primitiveName(message));
  let info = byClass.get(type);
  if (info === undefined) {
    info = new MessageTypeInfo(safeName(type));
    byClass.set(type, info);
  }
  return info;
}

/** The class a message was constructed from, if it is an object with one. */
export function classOf(
  message: unknown,
): (abstract new (...args: never[]) => unknown) | undefined {
  if (message === null || (typeof message !== 'object' && typeof message !== 'function')) {
    return undefined;
  }
  try {
    const proto: unknown = Object.getPrototypeOf(message);
    const ctor = proto === null ? undefined : (proto as { constructor?: unknown }).constructor;
    return typeof ctor === 'function' ? (ctor as abstract new () => unknown) : undefined;
  } catch {
    return undefined;
  }
}

function safeName(type: object): string {
  try {
    const name = (type as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? name : 'Anonymous';
  } catch {
    return 'Anonymous';
  }
}

function primitiveName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'Object';
  return typeof value;
}
