import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { describeMismatch, findPeerMismatches } from './supported-peers';
import { LOGGER_CONTEXT } from '../errors/logger-context';

/** Raised at startup when a peer the library cannot work without is of an unsupported major. */
export class UnsupportedPeerError extends Error {
  override readonly name = 'UnsupportedPeerError';
}

/**
 * Checks the installed peers once at startup: an unsupported Nest or @nestjs/cqrs major is
 * refused with a message that names it (instead of a TypeError deep inside a patched bus);
 * any other peer outside the tested lines gets one warning line.
 */
@Injectable()
export class PeerVersionsCheck implements OnModuleInit {
  private readonly logger = new Logger(LOGGER_CONTEXT);

  onModuleInit(): void {
    checkPeerVersions(installedVersion, this.logger);
  }
}

/** Throws for a required peer outside its lines; one warning line for any other. */
export function checkPeerVersions(
  readVersion: (name: string) => string | undefined,
  logger: Pick<Logger, 'warn'>,
): void {
  for (const mismatch of findPeerMismatches(readVersion)) {
    if (mismatch.peer.required) throw new UnsupportedPeerError(`${describeMismatch(mismatch)}.`);
    logger.warn(`${describeMismatch(mismatch)}; it may not work as documented.`);
  }
}

/**
 * The version in a package's own `package.json`, resolved from the application (every peer
 * named in the table exports `./package.json`); `undefined` when it is absent or unreadable.
 */
function installedVersion(name: string): string | undefined {
  try {
    const manifest = require(`${name}/package.json`) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}
