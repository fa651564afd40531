/** What a node of the message-flow map stands for. */
export type FlowNodeKind = 'command' | 'query' | 'event' | 'handler' | 'saga';

/** A message type (command, query, event) or a handler / saga class. */
export interface FlowNode {
  /** `{kind}:{name}`, e.g. `event:OrderCreatedEvent`. */
  readonly id: string;
  readonly kind: FlowNodeKind;
  /** The class name. */
  readonly name: string;
  /** Operations of this node that settled. */
  readonly count: number;
  /** Of which failed. */
  readonly errors: number;
}

/** `from` led to `to`: dispatched it, handled it, or (a saga) emitted it. */
export interface FlowEdge {
  readonly from: string;
  readonly to: string;
  readonly count: number;
  readonly errors: number;
}

/** The message-flow map as JSON: class names and counts only, never ids or payloads. */
export interface MessageFlowGraph {
  /** Whether the map records (`flowMap` option). */
  readonly enabled: boolean;
  readonly nodes: readonly FlowNode[];
  readonly edges: readonly FlowEdge[];
  /** Whether nodes or edges past `maxNodes` / `maxEdges` were left out. */
  readonly truncated: boolean;
}
