import type { FieldAction } from './redaction.decorators';
import { keyWords } from './key-words';
import type { ValueScrubber } from './value-detectors';

/** What the rules say about one key. */
export interface KeyDecision {
  readonly action: FieldAction | undefined;
  /** The key as written out: itself, unless it holds secret-shaped text (a map keyed by e-mail). */
  readonly emitted: string;
  /** `emitted` as a JSON object's member name, colon included: `"emitted":`. */
  readonly jsonName: string;
}

// Keys come from message classes, but payloads can carry maps keyed by anything: the cache of
// decisions is cleared when full rather than allowed to grow.
const MAX_CACHED_KEYS = 2048;

/**
 * Decides the action of the field-list entries without a dot on any key. An entry matches a key
 * whose trailing words, joined, spell the entry's words, joined (see {@link keyWords}): `api_key`
 * matches `apiKey`, `APIKEY`, `x-api-key` and `stripeApiKey`, not `apiKeyId`; `email` matches
 * `e-mail` and `userEmail`; `token` matches `sessionToken`, not `tokenCount` or `tokenizer` (a
 * match never starts or ends inside a word). Hashing wins when several entries match.
 *
 * Each key is worked out once: later lookups of the same key string are one `Map` read.
 */
export class KeyMatcher {
  private readonly byName = new Map<string, FieldAction>();
  private readonly longest: number;
  private readonly cache = new Map<string, KeyDecision>();

  constructor(
    entries: Iterable<readonly [entry: string, action: FieldAction]>,
    private readonly scrubber: ValueScrubber,
  ) {
    let longest = 0;
    for (const [entry, action] of entries) {
      const joined = keyWords(entry).join('');
      if (joined === '') continue;
      longest = Math.max(longest, joined.length);
      if (this.byName.get(joined) !== 'hash') this.byName.set(joined, action);
    }
    this.longest = longest;
  }

  /** The action for a key; a symbol key is judged by its description. */
  actionFor(key: string | symbol): FieldAction | undefined {
    return this.decide(typeof key === 'string' ? key : (key.description ?? '')).action;
  }

  /** The action for a key and the key as it may be written out. */
  decide(key: string): KeyDecision {
    let decision = this.cache.get(key);
    if (decision === undefined) {
      const emitted = this.scrubber.scrub(key);
      decision = { action: this.compute(key), emitted, jsonName: `${JSON.stringify(emitted)}:` };
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
      this.cache.set(key, decision);
    }
    return decision;
  }

  private compute(key: string): FieldAction | undefined {
    if (this.byName.size === 0) return undefined;
    const words = keyWords(key);
    let action: FieldAction | undefined;
    let suffix = '';
    for (let start = words.length - 1; start >= 0; start--) {
      suffix = words[start]! + suffix;
      if (suffix.length > this.longest) break;
      const found = this.byName.get(suffix);
      if (found === 'hash') return 'hash';
      action ??= found;
    }
    return action;
  }
}
