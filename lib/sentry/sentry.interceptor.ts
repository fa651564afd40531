import {
  Inject,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { FAILURE_REPORTER, RESOLVED_OPTIONS } from '../cqrs-observability.internal-constants';
import type { FailureReporter } from '../errors/failure-reporter';
import { HookRegistry, RAW_NEXT } from '../hooks/hook.registry';
import type {
  CqrsInterceptor,
  CqrsOperationContext,
  HookNext,
  OperationAttributes,
} from '../hooks/hook.types';
import { observeOutcome, type OutcomeObserver } from '../hooks/observe-outcome';
import { BuiltInPriority } from '../hooks/operations';
import {
  loadOptionalPackage,
  OPTIONAL_PACKAGE_LOADER,
  type OptionalPackageLoader,
} from '../optional-package';
import type { ResolvedObservabilityOptions } from '../options';
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
import { isSentrySdk, type SentrySdk } from './sentry-sdk.interface';

type RegisterOptions = Parameters<HookRegistry['register']>[1];

const LOG_CONTEXT = 'CqrsObservability';
const UNHANDLED_EXCEPTION_PREFIX = 'unhandled_exception.';

/**
 * Sends each failed command, query and event handler, and each dead saga, to Sentry once, in
 * a scope of its own carrying the message's tags and redacted payload. Off while Sentry is
 * not initialised — checked at each failure, so `Sentry.init()` may come after bootstrap.
 */
@Injectable()
export class SentryInterceptor implements CqrsInterceptor, OnModuleInit, OnModuleDestroy {
  readonly operations = ['command.execute.*', 'query.execute.*', 'event.handler.*'];
  readonly priority = BuiltInPriority.sentry;
  private readonly options: ResolvedSentryOptions | false;
  private sentry: SentrySdk | undefined;
  private watcher: SentryDeliveryWatcher | undefined;
  // Errors already decided on (captured or declined), so an error that crosses several
  // operations — a command failing inside an event handler, an event handler's error that
  // reaches the UnhandledExceptionBus — is judged once, by the innermost one. Weak: no growth.
  private readonly decided = new WeakSet<object>();
  private readonly observer: OutcomeObserver<CqrsOperationContext> = {
    onSuccess: () => undefined,
    onError: (context, error) => this.capture(error, context.operation, context.attributes),
  };

  constructor(
    private readonly registry: HookRegistry,
    @Inject(RESOLVED_OPTIONS) rootOptions: ResolvedObservabilityOptions,
    @Inject(FAILURE_REPORTER) private readonly reporter: FailureReporter,
    @Optional()
    @Inject(OPTIONAL_PACKAGE_LOADER)
    private readonly loadPackage: OptionalPackageLoader = loadOptionalPackage,
    private readonly policy: RedactionPolicy,
  ) {
    this.options = rootOptions.sentry;
  }

  onModuleInit(): void {
    if (this.options === false) return;
    const loaded = this.loadPackage<unknown>(SENTRY_PACKAGE);
    const logger = new Logger(LOG_CONTEXT);
    if (loaded.status === 'missing') {
      logger.log(`${SENTRY_PACKAGE} is not installed: CQRS failures are not sent to Sentry`);
      return;
    }
    if (loaded.status === 'failed' || !isSentrySdk(loaded.module)) {
      const reason = loaded.status === 'failed' ? String(loaded.error) : 'unexpected exports';
      logger.warn(
        `${SENTRY_PACKAGE} failed to load (${reason}): CQRS failures are not sent to Sentry`,
      );
      return;
    }
    this.sentry = loaded.module;
    this.watcher = new SentryDeliveryWatcher(this.reporter);
    this.registry.register(this, {
      operations: this.operations,
      priority: this.priority,
      [RAW_NEXT]: true,
    } as RegisterOptions);
    // Notices: a saga's stream died; an error reached the UnhandledExceptionBus.
    this.registry.register(
      (operation, attributes, next) => {
        this.captureNotice(operation, attributes);
        return next();
      },
      {
        operations: ['saga.error.*', 'unhandled_exception.*'],
        priority: this.priority,
        [RAW_NEXT]: true,
      } as RegisterOptions,
    );
  }

  onModuleDestroy(): void {
    this.watcher?.stop();
  }

  intercept(context: CqrsOperationContext, next: HookNext): unknown {
    return observeOutcome(
      next,
      this.observer,
      context,
      this.reporter,
      SentryFailureSources.CAPTURE,
      context.attributes,
    );
  }

  private captureNotice(operation: string, attributes: OperationAttributes): void {
    const error = attributes.error;
    // An unhandled exception was nearly always seen by its event handler's operation already;
    // one we cannot mark (a thrown string) is left to that operation.
    if (operation.startsWith(UNHANDLED_EXCEPTION_PREFIX) && !isObject(error)) return;
    try {
      this.capture(error, operation, attributes);
    } catch (failure) {
      this.reporter.report(SentryFailureSources.CAPTURE, failure);
    }
  }

  private capture(error: unknown, operation: string, attributes: OperationAttributes): void {
    const sentry = this.sentry!;
    if (!sentry.isEnabled()) return;
    if (isObject(error)) {
      if (this.decided.has(error)) return;
      this.decided.add(error);
      // Already sent by the application itself: Sentry would drop a second capture anyway.
      if ((error as { __sentry_captured__?: unknown }).__sentry_captured__ === true) return;
    }
    if (!this.shouldCapture(error, { operation, attributes })) return;
    sentry.withScope((scope) => {
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
      sentry.captureException(error, { mechanism: SENTRY_MECHANISM });
    });
    this.watcher!.watch(sentry.getClient());
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

function isObject(value: unknown): value is object {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}
