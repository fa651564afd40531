import {
  checkPeerVersions,
  UnsupportedPeerError,
} from '../../lib/compatibility/peer-versions.check';
import { releaseLine, SUPPORTED_PEERS } from '../../lib/compatibility/supported-peers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const INSTALLED = (name: string): string | undefined =>
  (require(`${name}/package.json`) as { version: string }).version;

function versions(overrides: Record<string, string | undefined>) {
  return (name: string): string | undefined =>
    name in overrides ? overrides[name] : INSTALLED(name);
}

describe('peer versions at startup', () => {
  it('accept the installed development stack without a line', () => {
    const warn = jest.fn();
    checkPeerVersions(INSTALLED, { warn });
    expect(warn).not.toHaveBeenCalled();
  });

  it('refuse an unsupported Nest major with a message naming the package and version', () => {
    const check = (): void =>
      checkPeerVersions(versions({ '@nestjs/core': '10.4.15' }), { warn() {} });
    expect(check).toThrow(UnsupportedPeerError);
    expect(check).toThrow(
      '@nestjs/core 10.4.15 is installed; nestjs-cqrs-observability supports 11.x or 12.x.',
    );
  });

  it('warn once per other peer outside its lines, and skip peers that are absent', () => {
    const warn = jest.fn();
    checkPeerVersions(
      versions({
        'nestjs-pino': '3.5.0',
        'class-validator': '0.13.2',
        '@sentry/nestjs': undefined,
      }),
      { warn },
    );
    expect(warn.mock.calls).toEqual([
      [
        'class-validator 0.13.2 is installed; nestjs-cqrs-observability supports 0.14.x or 0.15.x; it may not work as documented.',
      ],
      [
        'nestjs-pino 3.5.0 is installed; nestjs-cqrs-observability supports 4.x or 5.x; it may not work as documented.',
      ],
    ]);
  });

  it('match the peer ranges package.json declares', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    for (const peer of SUPPORTED_PEERS) {
      const range = manifest.peerDependencies[peer.name];
      expect(range).toBeDefined();
      const declared = range!
        .split('||')
        .map((part) => releaseLine(part.trim().replace(/^[\^~]/, '')));
      expect({ [peer.name]: declared }).toEqual({ [peer.name]: [...peer.lines] });
    }
  });
});
