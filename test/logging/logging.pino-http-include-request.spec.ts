import type { INestApplication } from '@nestjs/common';
import { cqrsPinoHttpOptions } from '../../lib';
import { leakedCredentials, postWithCredentials, startCredentialsApp } from './credentials-app';
import { MemoryLogStream } from './memory-log-stream';

// nestjs-pino keeps its logger setup in module-level state: one app per spec file.
const logs = new MemoryLogStream();

describe('cqrsPinoHttpOptions({ includeRequest: true })', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startCredentialsApp(logs, cqrsPinoHttpOptions({ includeRequest: true }));
  });

  beforeEach(() => logs.clear());

  afterAll(() => app.close());

  it('binds req to CQRS lines, its credential headers still redacted', async () => {
    await postWithCredentials(app);

    const [line] = logs.where({ message_type: 'PlaceOrderCommand' });
    expect(line!.req).toMatchObject({
      method: 'POST',
      url: '/orders/P-1',
      headers: { authorization: '***', cookie: '***' },
    });
    expect(leakedCredentials(logs)).toEqual([]);
  });
});
