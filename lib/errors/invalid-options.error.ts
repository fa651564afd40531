/**
 * Thrown at startup when an option of `CqrsObservabilityModule.forRoot()` / `forRootAsync()` is
 * unknown or ill-typed. The message names the option by its full dotted path.
 */
export class InvalidObservabilityOptionError extends Error {
  override readonly name = 'InvalidObservabilityOptionError';

  constructor(
    /** Dotted path of the offending option, e.g. `redaction.maxPayloadChars`. */
    readonly option: string,
    /** What was expected, e.g. `a positive integer`. */
    readonly expected: string,
    /** The value that was given. */
    readonly received: unknown,
  ) {
    super(
      `Invalid CqrsObservabilityModule option "${option}": expected ${expected}, received ${describeValue(received)}.`,
    );
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'function':
      return 'a function';
    case 'undefined':
      return 'undefined';
    default:
      return `an object`;
  }
}
