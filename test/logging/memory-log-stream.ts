import { Writable } from 'node:stream';

/** A parsed JSON log line. */
export type LogLine = Record<string, any>;

/** A Writable that keeps every JSON line pino writes to it, parsed. */
export class MemoryLogStream {
  readonly lines: LogLine[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer | string, _encoding, callback) => {
      for (const text of chunk.toString().split('\n')) {
        if (text !== '') this.lines.push(JSON.parse(text) as LogLine);
      }
      callback();
    },
  });

  clear(): void {
    this.lines.length = 0;
  }

  /** Lines whose fields include every field of `match`. */
  where(match: Record<string, unknown>): LogLine[] {
    return this.lines.filter((line) =>
      Object.entries(match).every(([key, value]) => line[key] === value),
    );
  }
}

/** pino's numeric levels. */
export const PinoLevel = { debug: 20, info: 30, warn: 40, error: 50 } as const;
