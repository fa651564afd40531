import type { INestApplication } from '@nestjs/common';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import request from 'supertest';
import type { MessageFlowGraph } from '../../lib';
import { readAppConfig } from '../../sample-app/app.config';
import { createApp } from '../../sample-app/create-app';
import { MemoryLogStream } from '../logging/memory-log-stream';

/**
 * The sample app's GET /cqrs/flows: JSON, and the page that draws it, opened in Debian's
 * Chromium (apt-get install chromium; .ci/run installs it) through playwright-core.
 */

jest.setTimeout(60_000);

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const SCREENSHOT_DIR = join(__dirname, '..', '..', '.artifacts');

let app: INestApplication;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  app = await createApp({
    config: { ...readAppConfig({}), logLevel: 'warn' },
    logDestination: new MemoryLogStream().stream,
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  baseUrl = `http://127.0.0.1:${address.port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** What the sample dispatches when used: orders placed, one failing, the queries. */
async function useTheSample(): Promise<void> {
  const http = () => request(app.getHttpServer());
  for (const sku of ['BOOK-1', 'BOOK-2']) {
    await http().post('/orders').send({ sku, quantity: 1, email: 'ada@example.com' }).expect(201);
  }
  await http().post('/orders/fail');
  await http().get('/orders').expect(200);
  await http().get('/orders/stats').expect(200);
}

async function graphWhenSettled(): Promise<MessageFlowGraph> {
  // Sagas and event handlers settle after the HTTP response; wait until the map stops moving.
  let previous = '';
  for (let i = 0; i < 100; i++) {
    const response = await request(app.getHttpServer()).get('/cqrs/flows').expect(200);
    const text = JSON.stringify(response.body);
    if (text === previous) return response.body as MessageFlowGraph;
    previous = text;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the flow map kept changing');
}

it('serves the map as JSON and draws every node and edge of it in Chromium', async () => {
  await useTheSample();
  const graph = await graphWhenSettled();

  // JSON: the sample's message types, handlers and saga, with counts and error counts.
  expect(graph.enabled).toBe(true);
  const ids = graph.nodes.map((node) => node.id);
  expect(ids).toEqual(
    expect.arrayContaining([
      'command:CreateOrderCommand',
      'event:OrderCreatedEvent',
      'saga:OrderSaga',
      'command:ReserveStockCommand',
      'query:ListOrdersQuery',
      'query:GetOrderStatsQuery',
    ]),
  );
  expect(graph.nodes.some((node) => node.kind === 'handler')).toBe(true);
  expect(graph.edges).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        from: 'command:CreateOrderCommand',
        to: 'event:OrderCreatedEvent',
      }),
      expect.objectContaining({ from: 'event:OrderCreatedEvent', to: 'saga:OrderSaga' }),
      expect.objectContaining({ from: 'saga:OrderSaga', to: 'command:ReserveStockCommand' }),
    ]),
  );
  const failed = graph.nodes.filter((node) => node.errors > 0);
  expect(failed.length).toBeGreaterThan(0);
  expect(JSON.stringify(graph)).not.toContain('ada@example.com');

  // The page, in a real browser.
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const requested: string[] = [];
  page.on('request', (req) => requested.push(req.url()));
  const response = await page.goto(`${baseUrl}/cqrs/flows`);
  expect(response!.headers()['content-type']).toMatch(/^text\/html/);
  // No outside asset: the page is the only request.
  expect(requested).toEqual([`${baseUrl}/cqrs/flows`]);

  const drawn = await page.$$eval('svg#flow-map g.node', (nodes) =>
    nodes.map((node) => {
      const box = node.getBoundingClientRect();
      return {
        id: node.getAttribute('data-id'),
        count: Number(node.getAttribute('data-count')),
        errors: Number(node.getAttribute('data-errors')),
        text: node.textContent ?? '',
        width: box.width,
        height: box.height,
      };
    }),
  );
  expect(drawn.map((node) => node.id).sort()).toEqual([...ids].sort());
  for (const node of graph.nodes) {
    const shown = drawn.find((d) => d.id === node.id)!;
    expect(shown.text).toContain(node.name);
    expect(shown.count).toBe(node.count);
    expect(shown.errors).toBe(node.errors);
    expect(shown.width).toBeGreaterThan(100);
    expect(shown.height).toBeGreaterThan(30);
  }
  const edges = await page.$$eval('svg#flow-map g.edge', (elements) =>
    elements.map((edge) => ({
      from: edge.getAttribute('data-from'),
      to: edge.getAttribute('data-to'),
      label: edge.querySelector('text')?.textContent ?? '',
      length: (
        edge.querySelector('path') as unknown as { getTotalLength(): number }
      ).getTotalLength(),
    })),
  );
  expect(edges).toHaveLength(graph.edges.length);
  for (const edge of graph.edges) {
    const shown = edges.find((e) => e.from === edge.from && e.to === edge.to)!;
    expect(shown.label.startsWith(String(edge.count))).toBe(true);
    expect(shown.length).toBeGreaterThan(10);
  }
  // Every box is inside the drawing, none on top of another.
  const overlaps = await page.$$eval('svg#flow-map g.node rect', (rects) => {
    const boxes = rects.map((r) => r.getBoundingClientRect());
    let count = 0;
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) count++;
      }
    return count;
  });
  expect(overlaps).toBe(0);

  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, 'cqrs-flows.png');
  await page.locator('svg#flow-map').screenshot({ path: file });
  const png = readFileSync(file);
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  // A drawing of boxes, arrows and text, not a blank area.
  expect(statSync(file).size).toBeGreaterThan(10_000);
  await page.close();
});

it('answers JSON to a non-browser client and HTML when asked with ?format=html', async () => {
  const json = await request(app.getHttpServer()).get('/cqrs/flows').expect(200);
  expect(json.headers['content-type']).toMatch(/^application\/json/);
  const html = await request(app.getHttpServer()).get('/cqrs/flows?format=html').expect(200);
  expect(html.headers['content-type']).toMatch(/^text\/html/);
  expect(html.text).toContain('<svg');
});
