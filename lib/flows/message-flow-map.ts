import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { FAILURE_REPORTER, RESOLVED_OPTIONS } from '../shared/tokens';
import type { FailureReporter } from '../errors/failure-reporter';
import { HookRegistry } from '../hooks/hook.registry';
import type { OperationAttributes } from '../hooks/hook.types';
import { OperationRole, type OperationDescriptor } from '../hooks/operation-descriptor';
import type { OperationFrame, OutcomeObserver } from '../hooks/operation-frame';
import { MESSAGE_OPERATIONS } from '../hooks/operations';
import type { AroundSignal } from '../hooks/signal';
import type { ResolvedFlowMapOptions } from './flow-map.options';
import type { FlowEdge, FlowNode, FlowNodeKind, MessageFlowGraph } from './message-flow-graph';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly flowMap: ResolvedFlowMapOptions | false };

interface Node {
  readonly id: string;
  readonly kind: FlowNodeKind;
  readonly name: string;
  count: number;
  errors: number;
  /** Edges from this node, by target. */
  readonly out: Map<Node, Edge>;
}

interface Edge {
  readonly from: Node;
  readonly to: Node;
  count: number;
  errors: number;
}

/** What an operation name stands for in the map, worked out once per name. */
interface Plan {
  /** Undefined when the node did not fit under `maxNodes`. */
  readonly node: Node | undefined;
  /** Handlers: the event they handle. Sagas take it per emission from `event.type`. */
  readonly parent: Node | undefined;
  readonly saga: boolean;
}

interface Step {
  readonly node: Node;
  readonly edge: Edge | undefined;
}

const NODE_KIND: Partial<Record<OperationRole, FlowNodeKind>> = {
  [OperationRole.COMMAND]: 'command',
  [OperationRole.QUERY]: 'query',
  [OperationRole.DISPATCH]: 'event',
  [OperationRole.HANDLER]: 'handler',
  [OperationRole.SAGA]: 'saga',
};

const MAX_PLANS = 4096;
const SOURCE = 'Message-flow map';

const STEP_OUTCOME: Omit<OutcomeObserver<Step>, 'report'> = {
  onSuccess(step) {
    step.node.count++;
    if (step.edge !== undefined) step.edge.count++;
  },
  onError(step) {
    step.node.count++;
    step.node.errors++;
    if (step.edge !== undefined) {
      step.edge.count++;
      step.edge.errors++;
    }
  },
};

/**
 * Which message type leads to which, from what the pipeline sees: a command's handler
 * publishes an event, an event's handlers and sagas take it, a saga emits a command, a handler
 * dispatches another message. Nodes are message types and handler / saga classes, edges carry
 * how often one led to the other and how often that failed. Bounded by `maxNodes` and
 * `maxEdges`; class names and counts only. Records only with the `flowMap` option.
 *
 * ```ts
 * @Get('cqrs/flows') flows() { return this.flowMap.toJSON(); }
 * ```
 */
@Injectable()
export class MessageFlowMap implements OnModuleInit, AroundSignal {
  private readonly options: ResolvedFlowMapOptions | false;
  private readonly nodes = new Map<string, Node>();
  private readonly plans = new Map<OperationDescriptor, Plan>();
  private readonly stepOutcome: OutcomeObserver<Step> = {
    ...STEP_OUTCOME,
    report: (failure) => this.reporter.report(SOURCE, failure),
  };
  // The node whose operation is running around the current code: the parent of what it dispatches.
  private readonly current = new AsyncLocalStorage<Node>();
  private edges = 0;
  private truncated = false;

  constructor(
    private readonly registry: HookRegistry,
    @Inject(RESOLVED_OPTIONS) options: ModuleOptions,
    @Inject(FAILURE_REPORTER) private readonly reporter: FailureReporter,
  ) {
    this.options = options.flowMap;
  }

  onModuleInit(): void {
    if (this.options === false) return;
    this.registry.registerSignal(this, { operations: MESSAGE_OPERATIONS, priority: 900 });
  }

  /** The map so far, as plain JSON data. */
  toJSON(): MessageFlowGraph {
    const nodes: FlowNode[] = [];
    const edges: FlowEdge[] = [];
    for (const node of this.nodes.values()) {
      nodes.push({
        id: node.id,
        kind: node.kind,
        name: node.name,
        count: node.count,
        errors: node.errors,
      });
      for (const edge of node.out.values()) {
        edges.push({
          from: edge.from.id,
          to: edge.to.id,
          count: edge.count,
          errors: edge.errors,
        });
      }
    }
    return { enabled: this.options !== false, nodes, edges, truncated: this.truncated };
  }

  /** Forgets everything recorded so far. */
  reset(): void {
    this.nodes.clear();
    this.plans.clear();
    this.edges = 0;
    this.truncated = false;
  }

  around(frame: OperationFrame): unknown {
    let step: Step | undefined;
    try {
      step = this.stepFor(frame.descriptor, frame.attributes);
    } catch (error) {
      this.reporter.report(SOURCE, error);
    }
    if (step === undefined) return frame.proceed();
    return this.current.run(step.node, () => {
      frame.watch(this.stepOutcome, step);
      return frame.proceed();
    });
  }

  private stepFor(
    descriptor: OperationDescriptor,
    attributes: OperationAttributes,
  ): Step | undefined {
    const plan = this.planFor(descriptor);
    const node = plan.node;
    if (node === undefined) return undefined;
    let parent = plan.parent;
    if (plan.saga) {
      const eventType = attributes['event.type'];
      parent = typeof eventType === 'string' ? this.nodes.get(`event:${eventType}`) : undefined;
    } else if (parent === undefined) {
      parent = this.current.getStore();
    }
    return { node, edge: parent === undefined ? undefined : this.edge(parent, node) };
  }

  private planFor(descriptor: OperationDescriptor): Plan {
    let plan = this.plans.get(descriptor);
    if (plan !== undefined) return plan;
    const kind = NODE_KIND[descriptor.role] ?? 'command';
    const type = descriptor.messageType;
    if (kind === 'handler') {
      const handler = descriptor.handler ?? 'Anonymous';
      plan = {
        node: this.node('handler', handler),
        parent: this.node('event', type),
        saga: false,
      };
    } else if (kind === 'saga') {
      plan = { node: this.node('saga', type), parent: undefined, saga: true };
    } else {
      plan = { node: this.node(kind, type), parent: undefined, saga: false };
    }
    if (this.plans.size >= MAX_PLANS) this.plans.clear();
    this.plans.set(descriptor, plan);
    return plan;
  }

  private node(kind: FlowNodeKind, name: string): Node | undefined {
    const id = `${kind}:${name}`;
    let node = this.nodes.get(id);
    if (node === undefined) {
      if (this.nodes.size >= (this.options as ResolvedFlowMapOptions).maxNodes) {
        this.truncated = true;
        return undefined;
      }
      node = { id, kind, name, count: 0, errors: 0, out: new Map() };
      this.nodes.set(id, node);
    }
    return node;
  }

  private edge(from: Node, to: Node): Edge | undefined {
    let edge = from.out.get(to);
    if (edge === undefined) {
      if (this.edges >= (this.options as ResolvedFlowMapOptions).maxEdges) {
        this.truncated = true;
        return undefined;
      }
      edge = { from, to, count: 0, errors: 0 };
      from.out.set(to, edge);
      this.edges++;
    }
    return edge;
  }
}
