import { REDACTION_MARKER, type ValueDetectorName } from './redaction.options';

interface Detector {
  /** Cheap sign that the pattern may match: a string without it is skipped. */
  readonly hint: string;
  readonly pattern: RegExp;
  readonly replace: (match: string, ...groups: string[]) => string;
}

const MARK = (): string => REDACTION_MARKER;

const DETECTORS: Readonly<Record<ValueDetectorName, Detector>> = {
  email: {
    hint: '@',
    pattern: /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu,
    replace: MARK,
  },
  // The scheme stays, so `Authorization: Bearer ***` still says what was sent.
  credentials: {
    hint: '(?:bearer|basic|digest)\\s',
    pattern: /\b(bearer|basic|digest)(\s+)[\w.~+/=-]{6,}/giu,
    replace: (_match, scheme: string, space: string) => `${scheme}${space}${REDACTION_MARKER}`,
  },
  jwt: {
    hint: 'eyJ',
    pattern: /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/gu,
    replace: MARK,
  },
  card_number: {
    hint: '\\d[ -]?\\d[ -]?\\d[ -]?\\d[ -]?\\d[ -]?\\d[ -]?\\d[ -]?\\d[ -]?\\d[ -]?\\d[ -]?\\d[ -]?\\d[ -]?\\d',
    // A whole token only: digits inside an id (a UUID's `…f1-3812-4824-9548-1f…`) are not a card.
    pattern: /(?<![\p{L}\p{N}_-])\d(?:[ -]?\d){12,18}(?![\p{L}\p{N}_]|-[\p{L}\p{N}])/gu,
    replace: (match) => (luhnValid(match) ? REDACTION_MARKER : match),
  },
  provider_key: {
    hint: '[sprk]k_|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abposr]-|glpat-|AIza',
    pattern:
      /\b(?:[sprk]k_(?:live|test)_[A-Za-z0-9]{8,}|(?:AKIA|ASIA)[A-Z0-9]{16}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|glpat-[\w-]{20,}|AIza[\w-]{35})/gu,
    replace: MARK,
  },
};

// Below this no detector can match (`a@b.co` is the shortest e-mail address).
const MIN_SCRUBBED_LENGTH = 6;

/**
 * Replaces secret-shaped text in strings — wherever it sits, whatever its key — by `***`.
 * Ordinary strings cost one scan of a combined hint pattern (a bare UUID not even that); the
 * detectors only run on the few that carry a hint.
 */
export class ValueScrubber {
  private readonly detectors: ReadonlyArray<Detector>;
  private readonly hint: RegExp | undefined;
  private readonly patterns: ReadonlyArray<RegExp>;

  constructor(names: ReadonlyArray<ValueDetectorName>, patterns: ReadonlyArray<RegExp>) {
    this.detectors = names.map((name) => DETECTORS[name]);
    this.hint =
      this.detectors.length === 0
        ? undefined
        : new RegExp(this.detectors.map((detector) => detector.hint).join('|'), 'iu');
    // Own copies with the global flag: `replace` must find every occurrence, and the caller's
    // `lastIndex` must not leak into ours.
    this.patterns = patterns.map(
      (pattern) =>
        new RegExp(
          pattern.source,
          pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
        ),
    );
  }

  /** Whether this scrubber never changes anything. */
  get empty(): boolean {
    return this.detectors.length === 0 && this.patterns.length === 0;
  }

  scrub(text: string): string {
    let out = text;
    for (const pattern of this.patterns) {
      pattern.lastIndex = 0;
      out = out.replace(pattern, REDACTION_MARKER);
    }
    if (
      this.hint === undefined ||
      out.length < MIN_SCRUBBED_LENGTH ||
      isUuid(out) ||
      !this.hint.test(out)
    ) {
      return out;
    }
    for (const detector of this.detectors) {
      detector.pattern.lastIndex = 0;
      out = out.replace(detector.pattern, detector.replace as (match: string) => string);
    }
    return out;
  }
}

/**
 * Whether `text` is a UUID (`8-4-4-4-12` hex digits), as every message's ids are: no built-in
 * detector can match one (no `@`, space, `_` or letter past `f`; its digits never form a whole
 * card-number token), and testing for one costs a fraction of the hint pattern's scan.
 */
function isUuid(text: string): boolean {
  if (text.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const code = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 0x2d) return false;
    } else if (
      !(code >= 0x30 && code <= 0x39) &&
      !(code >= 0x61 && code <= 0x66) &&
      !(code >= 0x41 && code <= 0x46)
    ) {
      return false;
    }
  }
  return true;
}

/** The Luhn checksum of the digits of `text` (separators ignored). */
export function luhnValid(text: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = text.length - 1; i >= 0; i--) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) continue;
    let digit = code;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}
