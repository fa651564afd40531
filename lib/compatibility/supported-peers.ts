/**
 * The peer versions the library is tested with (`.ci/run`'s compatibility matrix). A major
 * outside these lists still loads: the startup line says which package and version were found.
 * (`@opentelemetry/api` and `@nestjs/microservices` are not listed: neither exports its
 * `package.json`; the API checks the versions of its own global registrations itself, and
 * `@nestjs/microservices` must match the Nest major, which npm's peer check enforces.)
 */
export interface SupportedPeer {
  readonly name: string;
  /** Supported release lines: a major (`'12'`) or, below 1.0, a minor line (`'0.14'`). */
  readonly lines: readonly string[];
  /** Refuse to start outside these lines: the library reaches into the package's behaviour. */
  readonly required?: boolean;
}

export const SUPPORTED_PEERS: readonly SupportedPeer[] = [
  { name: '@nestjs/core', lines: ['11', '12'], required: true },
  { name: '@nestjs/common', lines: ['11', '12'], required: true },
  { name: '@nestjs/cqrs', lines: ['11', '12'], required: true },
  { name: 'nestjs-cls', lines: ['6', '7'] },
  { name: 'class-validator', lines: ['0.14', '0.15'] },
  { name: '@willsoto/nestjs-prometheus', lines: ['6'] },
  { name: 'prom-client', lines: ['15'] },
  { name: 'nestjs-pino', lines: ['4', '5'] },
  { name: 'pino', lines: ['9', '10'] },
  { name: '@sentry/nestjs', lines: ['10'] },
];

/** The release line of `version` as `SupportedPeer.lines` spells it. */
export function releaseLine(version: string): string {
  const [major = '', minor = ''] = version.split('.');
  return major === '0' ? `0.${minor}` : major;
}

export interface PeerMismatch {
  readonly peer: SupportedPeer;
  readonly found: string;
}

/**
 * The installed peers outside their supported lines. `readVersion` gives a package's version,
 * or `undefined` when it is not installed (optional peers) or does not say.
 */
export function findPeerMismatches(
  readVersion: (name: string) => string | undefined,
): PeerMismatch[] {
  const mismatches: PeerMismatch[] = [];
  for (const peer of SUPPORTED_PEERS) {
    const found = readVersion(peer.name);
    if (found !== undefined && !peer.lines.includes(releaseLine(found))) {
      mismatches.push({ peer, found });
    }
  }
  return mismatches;
}

/** What the startup line (or the refusal) says about one mismatch. */
export function describeMismatch({ peer, found }: PeerMismatch): string {
  const lines = peer.lines.map((line) => `${line}.x`).join(' or ');
  return `${peer.name} ${found} is installed; nestjs-cqrs-observability supports ${lines}`;
}
