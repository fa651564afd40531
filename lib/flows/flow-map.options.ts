import { assertKnownKeys, assertPlainObject, optionalNumber } from '../shared/options-validation';

export interface FlowMapOptions {
  /** Most message types and handlers kept as nodes; later ones are not drawn. @default 200 */
  maxNodes?: number;
  /** Most distinct edges kept. @default 1000 */
  maxEdges?: number;
}

export interface ResolvedFlowMapOptions {
  readonly maxNodes: number;
  readonly maxEdges: number;
}

/** Off unless asked for: `true` or an options object turns the message-flow map on. */
export function resolveFlowMapOptions(
  value: unknown,
  path = 'flowMap',
): ResolvedFlowMapOptions | false {
  if (value === undefined || value === false) return false;
  if (value !== true) assertPlainObject(value, path);
  const options: Record<string, unknown> = value === true ? {} : value;
  assertKnownKeys(options, path, ['maxNodes', 'maxEdges']);
  return Object.freeze({
    maxNodes: optionalNumber(options.maxNodes, `${path}.maxNodes`, 200, {
      min: 1,
      max: 10_000,
      integer: true,
    }),
    maxEdges: optionalNumber(options.maxEdges, `${path}.maxEdges`, 1000, {
      min: 1,
      max: 100_000,
      integer: true,
    }),
  });
}
