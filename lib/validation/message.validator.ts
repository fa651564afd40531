import {
  getMetadataStorage,
  validateSync,
  type ValidationError,
  type ValidatorOptions,
} from 'class-validator';
import { MessageValidationError, type MessageValidationIssue } from './message-validation.error';

// Values shorter than this are left in constraint messages: they collide with ordinary words
// and numbers of the text ("an", "1") and are too short to be a secret worth hiding.
const MIN_REDACTED_VALUE_LENGTH = 4;
const REDACTED = '[redacted]';

type MessageClass = abstract new (...args: never[]) => object;

/**
 * Checks a message's class-validator decorators. Classes without any decorator, plain objects
 * and non-objects are not checked at all (`undefined`), so the bus keeps its upstream
 * behaviour for them and pays one `WeakMap` lookup.
 *
 * Runs `validateSync`: asynchronous constraints are skipped, since dispatch must not wait on
 * validation I/O.
 */
export class MessageValidator {
  private readonly options: ValidatorOptions;
  // Decorators run when a class is defined, before any instance exists, so the answer for a
  // class never changes.
  private readonly hasRules = new WeakMap<MessageClass, boolean>();

  /**
   * @param options class-validator's options.
   * @default { forbidUnknownValues: false } (a message without rules is a class instance,
   *   not an unknown value)
   * @throws TypeError for `whitelist: true`: messages are immutable, so unknown fields cannot be
   *   stripped, and the envelope fields (`requestId`, …) carry no decorators to whitelist them.
   */
  constructor(options: ValidatorOptions = {}) {
    if (options.whitelist) {
      throw new TypeError(
        'MessageValidator does not support the class-validator option "whitelist": messages are immutable and their envelope fields are not decorated.',
      );
    }
    this.options = {
      forbidUnknownValues: false,
      ...options,
      // The errors are mapped right away: the message itself must not be kept, the value is
      // needed once to scrub it from constraint messages.
      validationError: { target: false, value: true },
    };
  }

  /** The error listing every failing field, or `undefined` when the message is valid. */
  validate(message: unknown): MessageValidationError | undefined {
    if (typeof message !== 'object' || message === null) return undefined;
    const type: unknown = message.constructor;
    if (!isClass(type) || !this.hasValidationRules(type)) return undefined;

    const errors = validateSync(message, this.options);
    if (errors.length === 0) return undefined;
    return new MessageValidationError(type.name || 'AnonymousMessage', flatten(errors, ''));
  }

  private hasValidationRules(type: MessageClass): boolean {
    let hasRules = this.hasRules.get(type);
    if (hasRules === undefined) {
      // always=true, strictGroups=false and no groups: every rule of the class and of its
      // ancestors, whatever its groups.
      hasRules =
        getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length > 0;
      this.hasRules.set(type, hasRules);
    }
    return hasRules;
  }
}

function isClass(value: unknown): value is MessageClass {
  return typeof value === 'function';
}

function flatten(errors: readonly ValidationError[], parentPath: string): MessageValidationIssue[] {
  const issues: MessageValidationIssue[] = [];
  for (const error of errors) {
    const property = parentPath ? `${parentPath}.${error.property}` : error.property;
    const children = error.children ?? [];
    if (error.constraints || children.length === 0) {
      issues.push({ property, constraints: scrubValue(error.constraints ?? {}, error.value) });
    }
    issues.push(...flatten(children, property));
  }
  return issues;
}

// Default messages never contain the value, but a custom one written with `$value` does; the
// error is logged and sent to Sentry, where a password or token must not appear.
function scrubValue(
  constraints: Readonly<Record<string, string>>,
  value: unknown,
): Readonly<Record<string, string>> {
  const text =
    typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint'
      ? String(value)
      : '';
  if (text.length < MIN_REDACTED_VALUE_LENGTH) return constraints;
  const scrubbed: Record<string, string> = {};
  for (const [constraint, message] of Object.entries(constraints)) {
    scrubbed[constraint] = message.split(text).join(REDACTED);
  }
  return scrubbed;
}
