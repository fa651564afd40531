/**
 * The layers of lib/, lowest first (README "Architecture"): a file imports from its own room,
 * from rooms of a lower layer, never from a higher one; the signals of one layer do not import
 * each other; and no import cycle anywhere. `npm run lint:deps` checks it, `npm run lint` runs it.
 */
const LAYERS = [
  ['errors'],
  ['shared'],
  ['messages', 'redaction'],
  ['correlation'],
  ['hooks'],
  [
    'validation',
    'tracing',
    'metrics',
    'otel-metrics',
    'logging',
    'sentry',
    'flows',
    'testing',
    'tenancy',
  ],
  ['bus'],
  ['microservices', 'event-delivery'],
  ['module'],
];

/** A room's path: a folder under lib/, or `module` for lib/'s own files and compatibility/. */
function roomPath(room) {
  return room === 'module' ? '^lib/(compatibility/|[^/]+\\.ts$)' : `^lib/${room}/`;
}

const upward = LAYERS.flatMap((layer, index) =>
  layer
    .map((room) => ({
      name: `${room}-points-down`,
      comment: `${room} may import only from its own layer's room and lower layers`,
      severity: 'error',
      from: { path: roomPath(room) },
      to: {
        path: LAYERS.slice(index + 1)
          .flat()
          .map(roomPath)
          .concat(layer.filter((peer) => peer !== room).map(roomPath)),
      },
    }))
    // The top layer has nothing above it.
    .filter((rule) => rule.to.path.length > 0),
);

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'an import cycle makes the load order matter and the layers meaningless',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'every-file-in-a-room',
      comment: 'a new folder under lib/ gets its place in LAYERS before it may import anything',
      severity: 'error',
      from: { path: '^lib/', pathNot: LAYERS.flat().map(roomPath) },
      to: {},
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^lib/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
