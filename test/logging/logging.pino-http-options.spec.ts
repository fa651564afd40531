import type { INestApplication } from '@nestjs/common';
import { cqrsPinoHttpOptions } from '../../lib';
import { leakedCredentials, postWithCredentials, startCredentialsApp } from './credentials-app';
import { MemoryLogStream } from './memory-log-stream';

// nestjs-pino keeps its logger setup in module-level state: one app per spec file.
const logs = new MemoryLogStream();

describe('cqrsPinoHttpOptions() (the README logging setup)', () => {
  describe('as pasted', () => {
    let app: INestApplication;

    beforeAll(async () => {
      app = await startCredentialsApp(logs, cqrsPinoHttpOptions());
    });

    beforeEach(() => logs.clear());

    afterAll(() => app.close());

    it('writes no credential header of the request or the response in any line', async () => {
      await postWithCredentials(app);

      const cqrsLines = logs.where({ message_type: 'PlaceOrderCommand' });
      const accessLines = logs.lines.filter((line) => line.msg === 'request completed');
      // Guards: both kinds of line were written, and the access line does show the headers.
      expect(cqrsLines).toHaveLength(1);
      expect(accessLines).toHaveLength(1);
      expect(accessLines[0]!.req.headers).toMatchObject({
        authorization: '***',
        cookie: '***',
        'x-api-key': '***',
        'proxy-authorization': '***',
      });
      expect(accessLines[0]!.res.headers['set-cookie']).toBe('***');
      expect(leakedCredentials(logs)).toEqual([]);
    });

    it('keeps req off the CQRS lines: only the request id joins them to the access line', async () => {
      await postWithCredentials(app);

      const [line] = logs.where({ message_type: 'PlaceOrderCommand' });
      const [access] = logs.lines.filter((l) => l.msg === 'request completed');
      expect(line).toBeDefined();
      expect(line!.req).toBeUndefined();
      expect(line!.reqId).toBe(access!.req.id);
      expect(typeof line!.correlation_id).toBe('string');
      expect(access!.correlation_id).toBe(line!.correlation_id);
    });
  });

  it('passes other pino-http options through and merges redaction paths and mixins', () => {
    const options = cqrsPinoHttpOptions({
      level: 'debug',
      autoLogging: false,
      redact: ['req.body.password'],
      redactPaths: ['req.headers["x-tenant-secret"]'],
      mixin: () => ({ service: 'orders' }),
    });
    expect(options).toMatchObject({ level: 'debug', autoLogging: false, quietReqLogger: true });
    expect(options.redact.paths).toEqual(
      expect.arrayContaining([
        'req.headers["authorization"]',
        'res.headers["set-cookie"]',
        'req.body.password',
        'req.headers["x-tenant-secret"]',
      ]),
    );
    expect(options.mixin({}, 30)).toEqual({ service: 'orders' });
    expect(() => cqrsPinoHttpOptions({ includeRequest: 'yes' as unknown as boolean })).toThrow(
      /includeRequest/,
    );
  });
});
