import { SEMCONV_STABILITY_OPT_IN_ENV, SemanticConventionsModes } from './tracing.constants';

/** `'cqrs'` (today's span names), `'messaging'` or `'messaging/dup'`. */
export type SemanticConventionsMode =
  (typeof SemanticConventionsModes)[keyof typeof SemanticConventionsModes];

export const SEMANTIC_CONVENTIONS_MODES: readonly SemanticConventionsMode[] = Object.freeze(
  Object.values(SemanticConventionsModes),
);

/**
 * The mode `OTEL_SEMCONV_STABILITY_OPT_IN` asks for, as the conventions define it: a
 * comma-separated list where `messaging/dup` wins over `messaging`; anything else keeps
 * today's names. Read once, when the options are resolved.
 */
export function semanticConventionsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): SemanticConventionsMode {
  const raw = env[SEMCONV_STABILITY_OPT_IN_ENV];
  if (typeof raw !== 'string' || raw === '') return SemanticConventionsModes.CQRS;
  const values = raw.split(',').map((value) => value.trim().toLowerCase());
  if (values.includes(SemanticConventionsModes.MESSAGING_DUP)) {
    return SemanticConventionsModes.MESSAGING_DUP;
  }
  if (values.includes(SemanticConventionsModes.MESSAGING))
    return SemanticConventionsModes.MESSAGING;
  return SemanticConventionsModes.CQRS;
}
