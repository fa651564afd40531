/**
 * A thrown value as one line for a log or an error message: `Name: message` for an `Error`,
 * else the value as a string; never throws (a value whose `toString` throws is "unprintable").
 */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
