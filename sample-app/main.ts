import { readAppConfig } from './app.config';
import { createApp } from './create-app';

async function bootstrap(): Promise<void> {
  const config = readAppConfig();
  const app = await createApp({ config });
  await app.listen(config.port);
  printBanner(`http://localhost:${config.port}`);
}

/**
 * Plain text for the person who just typed `npm run sample`: copy-paste ready commands, which
 * a JSON log line would escape. Everything else on stdout is pino JSON and span lines.
 */
function printBanner(url: string): void {
  const lines = [
    '',
    `orders-sample listening on ${url}`,
    '',
    'Try:',
    `  curl -si -X POST ${url}/orders -H 'content-type: application/json' -H 'x-correlation-id: demo-1' -H 'x-tenant-id: acme' -H 'x-user-id: user-42' -d '{"sku":"BOOK-1","quantity":2,"email":"ada@example.com"}'`,
    `  curl -s ${url}/orders/<id from the response>`,
    `  curl -s '${url}/orders?page=1&pageSize=5'`,
    `  curl -s '${url}/orders?page=0'          # 400: page fails validation at dispatch`,
    `  curl -si -X POST ${url}/orders/fail     # 500: an error in every signal`,
    `  curl -s ${url}/orders/stats`,
    `  curl -s ${url}/metrics | grep '^cqrs_'`,
    `  curl -s ${url}/metrics | grep '^cqrs_tenant_messages_total'   # per tenant`,
    '',
    'Each request prints pino JSON lines (with correlation_id, tenant_id, trace_id and the',
    'command\'s audit record) and one "span" line per span (tenant.id, audit.*).',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

bootstrap().catch((error: unknown) => {
  console.error('orders-sample failed to start', error);
  process.exit(1);
});
