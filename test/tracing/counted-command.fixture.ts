import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

/**
 * A command whose every field is a getter that counts its reads, to prove which
 * configurations leave the message unread.
 */
export class CountedCommand {
  /** How many times a field was read. Not enumerable: it stays out of payloads. */
  declare reads: number;
  declare readonly note: string;
  declare readonly requestedAt: Date;
  declare readonly requestedBy: string;

  constructor() {
    Object.defineProperty(this, 'reads', { value: 0, writable: true, enumerable: false });
    for (const [field, value] of [
      ['note', 'hello'],
      ['requestedAt', new Date('2026-01-02T03:04:05.000Z')],
      ['requestedBy', 'user-1'],
    ] as const) {
      Object.defineProperty(this, field, {
        enumerable: true,
        get: () => {
          this.reads++;
          return value;
        },
      });
    }
  }
}

export const COUNTED_RESULT = { done: true };

@CommandHandler(CountedCommand)
export class CountedCommandHandler implements ICommandHandler<CountedCommand> {
  // Does not read the command: any read comes from the pipeline.
  async execute(): Promise<typeof COUNTED_RESULT> {
    return COUNTED_RESULT;
  }
}
