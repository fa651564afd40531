import type { FlowEdge, FlowNode, MessageFlowGraph } from './message-flow-graph';

const COLUMN_WIDTH = 320;
const ROW_HEIGHT = 84;
const NODE_WIDTH = 256;
const NODE_HEIGHT = 52;
const MARGIN = 24;

const KIND_COLORS: Record<FlowNode['kind'], string> = {
  command: '#2563eb',
  query: '#0d9488',
  event: '#d97706',
  handler: '#7c3aed',
  saga: '#db2777',
};

/**
 * A self-contained HTML page drawing the message-flow map as inline SVG: one box per message
 * type and handler (colour by kind, its count and errors), one arrow per edge labelled with
 * its count and errors. Left to right in layers: each node one column right of its furthest
 * source. No script, no outside asset.
 */
export function renderMessageFlowHtml(
  graph: MessageFlowGraph,
  title = 'CQRS message flows',
): string {
  const svg = renderMessageFlowSvg(graph);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 16px; color: #111827; background: #fff; }
h1 { font-size: 18px; }
.legend span { display: inline-block; margin-right: 12px; font-size: 13px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
svg text { font-size: 12px; }
.node text.name { fill: #fff; font-weight: 600; }
.node text.count { fill: #f9fafb; font-size: 11px; }
.edge path { fill: none; stroke: #6b7280; stroke-width: 1.5; }
.edge.failing path { stroke: #dc2626; }
.edge text { fill: #374151; font-size: 11px; }
</style>
</head>
<body>
<h1>${escape(title)}</h1>
<p class="summary">${graph.nodes.length} nodes, ${graph.edges.length} edges${graph.truncated ? ' (truncated: limits reached)' : ''}${graph.enabled ? '' : ' — the flow map is off (flowMap option)'}</p>
<p class="legend">${Object.entries(KIND_COLORS)
    .map(([kind, color]) => `<span><i style="background:${color}"></i>${kind}</span>`)
    .join('')}</p>
${svg}
</body>
</html>
`;
}

/** The SVG element alone. */
export function renderMessageFlowSvg(graph: MessageFlowGraph): string {
  const positions = layout(graph);
  let columns = 1;
  let rows = 1;
  for (const { column, row } of positions.values()) {
    columns = Math.max(columns, column + 1);
    rows = Math.max(rows, row + 1);
  }
  const width = MARGIN * 2 + (columns - 1) * COLUMN_WIDTH + NODE_WIDTH;
  const height = MARGIN * 2 + (rows - 1) * ROW_HEIGHT + NODE_HEIGHT;
  const at = (id: string) => {
    const { column, row } = positions.get(id)!;
    return { x: MARGIN + column * COLUMN_WIDTH, y: MARGIN + row * ROW_HEIGHT };
  };
  const edges = graph.edges
    .filter((edge) => positions.has(edge.from) && positions.has(edge.to))
    .map((edge) => renderEdge(edge, at(edge.from), at(edge.to)))
    .join('\n');
  const nodes = graph.nodes.map((node) => renderNode(node, at(node.id))).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" id="flow-map" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="CQRS message flow map">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#6b7280"/></marker></defs>
<g class="edges">
${edges}
</g>
<g class="nodes">
${nodes}
</g>
</svg>`;
}

function renderNode(node: FlowNode, { x, y }: { x: number; y: number }): string {
  const errors = node.errors > 0 ? ` · ${node.errors} failed` : '';
  return `<g class="node node-${node.kind}" data-id="${escape(node.id)}" data-kind="${node.kind}" data-name="${escape(node.name)}" data-count="${node.count}" data-errors="${node.errors}">
<rect x="${x}" y="${y}" width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="8" fill="${KIND_COLORS[node.kind]}"${node.errors > 0 ? ' stroke="#dc2626" stroke-width="3"' : ''}/>
<text class="name" x="${x + 10}" y="${y + 21}">${escape(clip(node.name, 34))}</text>
<text class="count" x="${x + 10}" y="${y + 40}">${node.kind} · ${node.count}×${errors}</text>
</g>`;
}

function renderEdge(
  edge: FlowEdge,
  from: { x: number; y: number },
  to: { x: number; y: number },
): string {
  const x1 = from.x + NODE_WIDTH;
  const y1 = from.y + NODE_HEIGHT / 2;
  let x2 = to.x;
  const y2 = to.y + NODE_HEIGHT / 2;
  // An edge back to an earlier column (a cycle) ends on the target's right side.
  if (x2 <= x1) x2 = to.x + NODE_WIDTH;
  const bend = Math.max(40, Math.abs(x2 - x1) / 2);
  const path = `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
  const label = `${edge.count}${edge.errors > 0 ? ` (${edge.errors} failed)` : ''}`;
  return `<g class="edge${edge.errors > 0 ? ' failing' : ''}" data-from="${escape(edge.from)}" data-to="${escape(edge.to)}" data-count="${edge.count}" data-errors="${edge.errors}">
<path d="${path}" marker-end="url(#arrow)"/>
<text x="${x2 - 14}" y="${y2 - 8}" text-anchor="end">${label}</text>
</g>`;
}

/** Column = longest path from a source (cycles cut after as many passes as nodes). */
function layout(graph: MessageFlowGraph): Map<string, { column: number; row: number }> {
  const column = new Map<string, number>(graph.nodes.map((node) => [node.id, 0]));
  for (let pass = 0; pass < graph.nodes.length; pass++) {
    let changed = false;
    for (const edge of graph.edges) {
      const from = column.get(edge.from);
      const to = column.get(edge.to);
      if (from === undefined || to === undefined || edge.from === edge.to) continue;
      if (to < from + 1 && from + 1 < graph.nodes.length) {
        column.set(edge.to, from + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rowsUsed = new Map<number, number>();
  const positions = new Map<string, { column: number; row: number }>();
  for (const node of graph.nodes) {
    const c = column.get(node.id)!;
    const row = rowsUsed.get(c) ?? 0;
    rowsUsed.set(c, row + 1);
    positions.set(node.id, { column: c, row });
  }
  return positions;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function escape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
