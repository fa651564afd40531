import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { FAILURE_REPORTER, RESOLVED_OPTIONS } from '../shared/tokens';
import type { FailureReporter } from '../errors/failure-reporter';
import { HookRegistry } from '../hooks/hook.registry';
import type { OperationAttributes } from '../hooks/hook.types';
import { OperationRole } from '../hooks/operation-descriptor';
import type { OperationFrame, OutcomeObserver } from '../hooks/operation-frame';
import type { WatchingSignal } from '../hooks/signal';
import { BuiltInPriority } from '../hooks/operations';
import { loadOptionalPeer } from '../shared/optional-package';
import { RedactionPolicy } from '../redaction/redaction.policy';
import { defaultShouldCapture } from './should-capture';
import {
  SENTRY_CONTEXT_NAME,
  SENTRY_MECHANISM,
  SENTRY_PACKAGE,
  SentryContextKeys,
  SentryFailureSources,
  SentryTags,
} from './sentry.constants';
import { SentryDeliveryWatcher } from './sentry-delivery.watcher';
import type { ResolvedSentryOptions, SentryCaptureContext } from './sentry.options';
import { isSentrySdk, type SentryEventLike, type SentrySdk } from './sentry-sdk.interface';
import { LOGGER_CONTEXT } from '../errors/logger-context';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly sentry: ResolvedSentryOptions | false };

const SENTRY_CAPTURED_FLAG = '__sentry_captured__';
// Where the SDK puts a thrown non-Error object, serialised whole.
const SENTRY_SERIALIZED_EXTRA = '__serialized__';

/**
 * Sends each failed command, query and event handler, and each dead saga, to Sentry once, in
 * a scope of its own carrying the message's tags and redacted payload. Off while Sentry is
 * not initialised — checked at each failure, so `Sentry.init()` may come after bootstrap.
 */
@Injectable()
export class SentryInterceptor implements WatchingSignal, OnModuleInit, OnModuleDestroy {
  readonly operations = ['command.execute.*', 'query.execute.*', 'event.handler.*'];
  readonly priority = BuiltInPriority.sentry;
  private readonly options: ResolvedSentryOptions | false;
  private sentry: SentrySdk | undefined;
  private watcher: SentryDeliveryWatcher | undefined;
  // Errors already decided on (captured or declined), so an error that crosses several
  // operations — a command failing inside an event handler, an event handler's error that
  // reaches the UnhandledExceptionBus — is judged once, by the innermost one. Weak: no growth.
  private readonly decided = new WeakSet<object>();
  private readonly observer: OutcomeObserver<OperationFrame> = {
    onSuccess: () => undefined,
    onError: (frame, error) => this.capture(error, frame.operation, frame.attributes),
    report: (failure) => this.report(failure),
  };

  constructor(
    private readonly registry: HookRegistry,
    @Inject(RESOLVED_OPTIONS) rootOptions: ModuleOptions,
    @Inject(FAILURE_REPORTER) private readonly reporter: FailureReporter,
    private readonly policy: RedactionPolicy,
  ) {
    this.options = rootOptions.sentry;
  }

  onModuleInit(): void {
    if (this.options === false) return;
    const sentry = loadOptionalPeer<SentrySdk>(
      SENTRY_PACKAGE,
      'CQRS failures are not sent to Sentry',
      new Logger(LOGGER_CONTEXT),
      isSentrySdk,
    );
    if (sentry === undefined) return;
    this.sentry = sentry;
    this.watcher = new SentryDeliveryWatcher(this.reporter);
    this.registry.registerSignal(this, { operations: this.operations, priority: this.priority });
    // Notices: a saga's stream died; an error reached the UnhandledExceptionBus.
    this.registry.registerSignal(
      { start: (frame) => this.captureNotice(frame), report: (failure) => this.report(failure) },
      { operations: ['saga.error.*', 'unhandled_exception.*'], priority: this.priority },
    );
  }

  onModuleDestroy(): void {
    this.watcher?.stop();
  }

  start(frame: OperationFrame): void {
    frame.watch(this.observer, frame);
  }

  report(failure: unknown): void {
    this.reporter.report(SentryFailureSources.CAPTURE, failure);
  }

  private captureNotice(frame: OperationFrame): void {
    const error = frame.attributes.error;
    // An unhandled exception was nearly always seen by its event handler's operation already;
    // one we cannot mark (a thrown string) is left to that operation.
    if (frame.descriptor.role === OperationRole.UNHANDLED_EXCEPTION && !isObject(error)) return;
    this.capture(error, frame.operation, frame.attributes);
  }

  private capture(error: unknown, operation: string, attributes: OperationAttributes): void {
    const sentry = this.sentry!;
    if (!sentry.isEnabled()) return;
    if (isObject(error)) {
      if (this.decided.has(error)) return;
      this.decided.add(error);
      // Already sent by the application itself: Sentry would drop a second capture anyway.
      if ((error as Record<string, unknown>)[SENTRY_CAPTURED_FLAG] === true) return;
    }
    if (!this.shouldCapture(error, { operation, attributes })) return;
    // Sentry is given the policy's view of the error, never the thrown value: the SDK would
    // otherwise serialise a thrown object whole (`extra.__serialized__`, through its `toJSON`).
    const redacted = this.policy.redactError(error);
    markCaptured(error);
    sentry.withScope((scope) => {
      scope.addEventProcessor?.((event) => this.scrubEvent(event));
      scope.setTags(tagsOf(attributes));
      scope.setContext(SENTRY_CONTEXT_NAME, {
        [SentryContextKeys.OPERATION]: operation,
        [SentryContextKeys.MESSAGE_ID]: attributes.message_id,
        [SentryContextKeys.CORRELATION_ID]: attributes.correlation_id,
        [SentryContextKeys.CAUSATION_ID]: attributes.causation_id,
        [SentryContextKeys.HANDLER]: attributes.handler,
        [SentryContextKeys.PAYLOAD]:
          attributes.message === undefined ? undefined : this.policy.sanitize(attributes.message),
      });
      sentry.captureException(redacted, { mechanism: SENTRY_MECHANISM });
    });
    this.watcher!.watch(sentry.getClient());
  }

  /**
   * The last word on our own events: whatever an integration added from the error, its texts go
   * through the value detectors and no raw serialisation of a thrown value stays.
   */
  private scrubEvent(event: SentryEventLike): SentryEventLike {
    try {
      if (event.extra !== undefined) delete event.extra[SENTRY_SERIALIZED_EXTRA];
      if (typeof event.message === 'string') event.message = this.policy.scrubText(event.message);
      for (const value of event.exception?.values ?? []) {
        if (typeof value.value === 'string') value.value = this.policy.scrubText(value.value);
      }
    } catch (failure) {
      this.reporter.report(SentryFailureSources.CAPTURE, failure);
    }
    return event;
  }

  /** A throwing predicate is reported and the failure captured: better one event too many. */
  private shouldCapture(error: unknown, context: SentryCaptureContext): boolean {
    const options = this.options as ResolvedSentryOptions;
    const predicate = options.shouldCapture ?? defaultShouldCapture;
    try {
      return predicate(error, context) !== false;
    } catch (failure) {
      this.reporter.report(SentryFailureSources.SHOULD_CAPTURE, failure);
      return true;
    }
  }
}

function tagsOf(attributes: OperationAttributes): Record<string, string> {
  const tags: Record<string, string> = {};
  if (attributes.message_type !== undefined)
    tags[SentryTags.MESSAGE_TYPE] = attributes.message_type;
  if (attributes.kind !== undefined) tags[SentryTags.KIND] = attributes.kind;
  if (attributes.correlation_id !== undefined) {
    tags[SentryTags.CORRELATION_ID] = attributes.correlation_id;
  }
  if (attributes.causation_id !== undefined)
    tags[SentryTags.CAUSATION_ID] = attributes.causation_id;
  return tags;
}

/**
 * Sentry's own mark of an error it has sent, set on the thrown value we captured a view of, so
 * that `SentryGlobalFilter` or the app's `captureException` of the same error sends no second
 * event. Non-enumerable, as the SDK sets it; a frozen error simply stays unmarked.
 */
function markCaptured(error: unknown): void {
  if (!isObject(error)) return;
  try {
    Object.defineProperty(error, SENTRY_CAPTURED_FLAG, {
      value: true,
      enumerable: false,
      configurable: true,
      writable: true,
    });
  } catch {
    // A frozen object or a Proxy that refuses: nothing to do.
  }
}

function isObject(value: unknown): value is object {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}
