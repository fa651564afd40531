import { HttpException } from '@nestjs/common';
import { Hash, Redact } from '../../lib';

/**
 * A seeded generator of hostile payloads and thrown values. Every secret it plants contains
 * `plnt` (any case) — except card numbers, which are digits and are kept in `cards` — and
 * nothing else it generates does, so a sink leaks exactly when its text contains `plnt` or one
 * of the planted card numbers.
 *
 * Where secrets go: any-shaped ones only where the policy must hide them whatever they look
 * like (under sensitive keys in every spelling, inside their subtrees, in extra fields of
 * errors, behind `toJSON`, in prototype getters, symbol-keyed and non-enumerable properties);
 * secret-shaped ones (e-mail addresses, Bearer/Basic credentials, JWTs, Luhn-valid card numbers,
 * provider keys) anywhere, under ordinary keys, in arrays, Sets, Map keys and values, and in
 * error messages and stacks.
 */

/** Keys the default rule must hide, spelled as code, HTTP and look-alikes write them. */
export const SENSITIVE_KEYS: ReadonlyArray<string> = [
  'apiKey',
  'API_KEY',
  'api-key',
  'x-api-key',
  'X-Api-Key',
  'stripeApiKey',
  'accessToken',
  'refreshToken',
  'sessionToken',
  'auth_token',
  'idToken',
  'id_token',
  'privateKey',
  'clientSecret',
  'client_secret',
  'cardNumber',
  'creditCard',
  'card',
  'cvv',
  'CVC',
  'userEmail',
  'emailAddress',
  'e-mail',
  'email',
  'ＥＭＡＩＬ',
  'EMAİL',
  'password',
  'Password',
  'password ',
  '\u200bpassword',
  'pass\u200dword',
  'Ｐａｓｓｗｏｒｄ',
  'dbPassword',
  'passwd',
  'pwd',
  'secret',
  'set-cookie',
  'cookie',
  'Cookie',
  'session',
  'sessionId',
  'jwt',
  'bearer',
  'Authorization',
  'proxy-authorization',
  'iban',
  'ssn',
  'dob',
  'pin',
  'otp',
  'phone',
  'phoneNumber',
  'homeAddress',
  'user.email',
];

/** Keys the rule must leave visible (a sensitive word as a qualifier or inside a word). */
export const VISIBLE_KEYS: ReadonlyArray<string> = [
  'tokenCount',
  'tokenizer',
  'emailVerified',
  'passwordPolicy',
  'apiKeyId',
  'sku',
  'quantity',
  'note',
  'comment',
  'description',
  'status',
  'items',
  'meta',
  'reference',
];

// No p, l, n or t: ordinary generated text can never spell the planted marker.
const SAFE_ALPHABET = 'abcdefghijkmoqrsuvwxyz0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** mulberry32: small, fast, seeded. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(items: ReadonlyArray<T>): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  text(length: number, alphabet = ALNUM): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}

/** Counts of reads the library must never make. */
export const forbiddenReads = { toJson: 0, sensitiveGetter: 0, prototypeGetter: 0 };

class Profile {
  constructor(
    readonly displayName: string,
    readonly password: string,
    readonly note: string,
  ) {}
  get secretToken(): string {
    forbiddenReads.prototypeGetter++;
    return 'plnt-prototype-getter';
  }
}

class DecoratedProfile {
  @Redact() declare nickname: string;
  @Hash() declare customerRef: string;
  declare visible: string;
}

class TokenEnvelope {
  constructor(readonly reference: string) {}
  toJSON(): unknown {
    forbiddenReads.toJson++;
    return { leaked: 'plnt-to-json' };
  }
}

export class CorpusGenerator {
  readonly cards = new Set<string>();
  readonly visibleMarkers = new Set<string>();
  private readonly random: Random;

  constructor(seed: number) {
    this.random = new Random(seed);
  }

  /** A secret of any shape: only ever placed where the policy must hide it whatever it is. */
  anySecret(): string {
    return `plnt${this.random.text(14)}`;
  }

  /** A secret the value detectors must recognise wherever it sits. */
  shapedSecret(): string {
    const r = this.random;
    switch (r.int(13)) {
      case 0:
        return `plnt.${r.text(6, SAFE_ALPHABET)}@plnt-${r.text(5, SAFE_ALPHABET)}.example.com`;
      case 1:
        return `Bearer plnt${r.text(24)}`;
      case 2:
        return `Basic plnt${r.text(16)}==`;
      case 3:
        return `eyJplnt${r.text(16)}.plnt${r.text(30)}.plnt${r.text(30)}`;
      case 4:
      case 5:
        return this.card();
      case 6:
        return `sk_live_plnt${r.text(24)}`;
      case 7:
        return `rk_test_plnt${r.text(20)}`;
      case 8:
        return `AKIAPLNT${r.text(12, UPPER_ALNUM)}`;
      case 9:
        return `ghp_plnt${r.text(32)}`;
      case 10:
        return `xoxb-plnt${r.text(8, '0123456789')}-${r.text(16)}`;
      case 11:
        return `github_pat_plnt${r.text(30)}`;
      default:
        return `glpat-plnt${r.text(20)}`;
    }
  }

  private card(): string {
    const r = this.random;
    const digits = [r.pick([4, 5]), ...Array.from({ length: 14 }, () => r.int(10))];
    // The check digit that makes the Luhn sum a multiple of 10.
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = digits[digits.length - 1 - i]!;
      if (i % 2 === 0) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    digits.push((10 - (sum % 10)) % 10);
    const plain = digits.join('');
    this.cards.add(plain);
    const separator = r.pick(['', ' ', '-']);
    return separator === '' ? plain : plain.match(/.{4}/g)!.join(separator);
  }

  /** Ordinary text, sometimes carrying a secret-shaped value inside. */
  text(): string {
    const safe = `v${this.random.text(8, SAFE_ALPHABET)}`;
    if (this.random.chance(0.3)) return `see ${this.shapedSecret()} for ${safe}`;
    this.visibleMarkers.add(safe);
    return safe;
  }

  /** A value under a sensitive key: any secret, or a whole subtree of them. */
  private hiddenValue(depth: number): unknown {
    const r = this.random;
    switch (r.int(6)) {
      case 0:
        return { inner: this.anySecret(), deeper: { value: this.anySecret() } };
      case 1:
        return [this.anySecret(), this.anySecret()];
      case 2:
        return new Map([['k', this.anySecret()]]);
      case 3:
        return depth < 6 ? this.object(depth + 1, true) : this.anySecret();
      default:
        return this.anySecret();
    }
  }

  /** A nested payload value. `tainted`: a subtree the policy hides whole (any secret is fine). */
  value(depth: number, tainted = false): unknown {
    const r = this.random;
    const leaf = (): unknown => (tainted ? this.anySecret() : this.text());
    if (depth >= 8) return leaf();
    switch (r.int(16)) {
      case 0:
      case 1:
      case 2:
        return leaf();
      case 3:
        return r.int(1000);
      case 4:
        return r.chance(0.5);
      case 5:
        return null;
      case 6:
        return new Date(1_700_000_000_000 + r.int(1e9));
      case 7:
        return BigInt(r.int(1e6));
      case 8:
        return Array.from({ length: 1 + r.int(4) }, () => this.value(depth + 1, tainted));
      case 9:
        return new Set([leaf(), this.value(depth + 1, tainted)]);
      case 10: {
        const map = new Map<unknown, unknown>();
        map.set(r.pick(SENSITIVE_KEYS), this.anySecret());
        map.set(r.pick(VISIBLE_KEYS), this.value(depth + 1, tainted));
        if (r.chance(0.3)) map.set(this.shapedSecret(), r.int(10));
        if (r.chance(0.3)) map.set(Symbol('password'), this.anySecret());
        return map;
      }
      case 11:
        return new Profile(this.text(), this.anySecret(), leaf() as string);
      case 12: {
        const decorated = new DecoratedProfile();
        decorated.nickname = this.anySecret();
        decorated.customerRef = this.anySecret();
        decorated.visible = this.text();
        return decorated;
      }
      case 13:
        return new TokenEnvelope(this.text());
      case 14:
        return Buffer.from(this.anySecret());
      default:
        return this.object(depth + 1, tainted);
    }
  }

  /** An object with sensitive and visible keys, getters, symbol keys and maybe a cycle. */
  object(depth: number, tainted = false): Record<string, unknown> {
    const r = this.random;
    const out: Record<string | symbol, unknown> = {};
    const fields = 2 + r.int(5);
    for (let i = 0; i < fields; i++) {
      if (r.chance(0.45)) out[r.pick(SENSITIVE_KEYS)] = this.hiddenValue(depth);
      else out[r.pick(VISIBLE_KEYS)] = this.value(depth, tainted);
    }
    if (r.chance(0.15)) {
      const secret = this.anySecret();
      Object.defineProperty(out, r.pick(SENSITIVE_KEYS), {
        enumerable: true,
        get: () => {
          forbiddenReads.sensitiveGetter++;
          return secret;
        },
      });
    }
    if (r.chance(0.1)) {
      const shaped = this.shapedSecret();
      Object.defineProperty(out, 'computed', { enumerable: true, get: () => `x ${shaped}` });
    }
    if (r.chance(0.15)) out[Symbol('apiKey')] = this.anySecret();
    if (r.chance(0.1)) {
      Object.defineProperty(out, 'hiddenProp', { enumerable: false, value: this.anySecret() });
    }
    if (r.chance(0.08)) out.self = out;
    if (r.chance(0.05)) {
      out.proxied = new Proxy({ password: this.anySecret(), sku: this.text() }, {});
    }
    return out as Record<string, unknown>;
  }

  /** Fields of one message: the top level is flat often (the policy's fast path), nested else. */
  messageFields(): Record<string, unknown> {
    const r = this.random;
    const fields = r.chance(0.3) ? this.flatFields() : this.object(0);
    if (r.chance(0.5)) fields.requestedBy = `plnt-user-${r.text(6)}`;
    return fields;
  }

  private flatFields(): Record<string, unknown> {
    const r = this.random;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < 3 + r.int(4); i++) {
      if (r.chance(0.5)) out[r.pick(SENSITIVE_KEYS)] = this.anySecret();
      else out[r.pick(VISIBLE_KEYS)] = r.chance(0.5) ? this.text() : r.int(100);
    }
    return out;
  }

  /** A value thrown by a handler: any kind real code throws. */
  thrown(): unknown {
    const r = this.random;
    const shaped = (): string => this.shapedSecret();
    switch (r.int(11)) {
      case 0:
        return Object.assign(new Error(`card declined: ${shaped()}`), {
          extra: this.anySecret(),
          details: { authorization: this.anySecret(), body: this.anySecret() },
        });
      case 1: {
        // axios-style: request config with headers, the response, and a toJSON of its own.
        const error = Object.assign(new Error(`Request failed for ${shaped()}`), {
          isAxiosError: true,
          config: { url: 'https://api.example.com', headers: { Authorization: this.anySecret() } },
          response: { status: 502, data: { echoed: this.anySecret() } },
          toJSON: () => {
            forbiddenReads.toJson++;
            return { config: this.anySecret() };
          },
        });
        return error;
      }
      case 2:
        return {
          message: `card declined ${shaped()}`,
          authorization: `Bearer ${this.anySecret()}`,
          card: { cvv: this.anySecret() },
        };
      case 3:
        return { code: 'E_DENIED', token: this.anySecret(), detail: shaped() };
      case 4:
        return `failed: ${shaped()}`;
      case 5:
        // Its toJSON returns a secret; the library must never call it.
        return new TokenEnvelope(this.text());
      case 6: {
        const root = new Error(`outer ${shaped()}`);
        const middle = Object.assign(new Error(`middle ${shaped()}`), {
          password: this.anySecret(),
        });
        root.cause = middle;
        middle.cause = r.chance(0.5) ? root : { apiKey: this.anySecret(), note: shaped() };
        return root;
      }
      case 7:
        return new AggregateError(
          [new TypeError(shaped()), { secret: this.anySecret() }, `inner ${shaped()}`],
          `several failed: ${shaped()}`,
        );
      case 8:
        return new HttpException(
          { message: `upstream ${shaped()}`, apiKey: this.anySecret() },
          500,
        );
      case 9:
        return new HttpException(`not found: ${shaped()}`, 404);
      default:
        return new TypeError(`cannot read ${shaped()}`);
    }
  }
}

/** Whether Sentry's default `shouldCapture` sends this failure (4xx HttpExceptions are skipped). */
export function capturedByDefault(thrown: unknown): boolean {
  return !(thrown instanceof HttpException && thrown.getStatus() < 500);
}
