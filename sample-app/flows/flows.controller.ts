import { Controller, Get, Header, Headers, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import {
  MessageFlowMap,
  renderMessageFlowHtml,
  type MessageFlowGraph,
} from 'nestjs-cqrs-observability';

/**
 * The message-flow map the library keeps (`flowMap: true`): which command leads to which
 * event, handler, saga and command, with counts and error counts. JSON for tools, an SVG
 * page for people: `GET /cqrs/flows` answers a browser (Accept: text/html) with the page and
 * anything else with JSON; `?format=json|html` chooses explicitly.
 */
@Controller('cqrs/flows')
export class FlowsController {
  constructor(private readonly flows: MessageFlowMap) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  show(
    @Query('format') format: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): MessageFlowGraph | string {
    const graph = this.flows.toJSON();
    const html = format === 'html' || (format !== 'json' && accept?.includes('text/html'));
    if (!html) return graph;
    response.type('html');
    return renderMessageFlowHtml(graph, 'Orders sample: CQRS message flows');
  }
}
