export {
  getTraceAttributeFields,
  Hash,
  Redact,
  TraceAttribute,
  type TraceAttributeField,
} from './redaction.decorators';
export {
  DEFAULT_MAX_PAYLOAD_CHARS,
  DEFAULT_PERSONAL_FIELDS,
  DEFAULT_SENSITIVE_FIELDS,
  DEFAULT_VALUE_DETECTORS,
  REDACTION_MARKER,
  type RedactionOptions,
  type ResolvedRedactionOptions,
  resolveRedactionOptions,
  TRUNCATION_SUFFIX,
  type ValueDetectorName,
} from './redaction.options';
export { RedactedError } from './redacted-error';
export { RedactionPolicy, type TraceAttributeValue } from './redaction.policy';
export type { SerializedPayload } from './serialized-payload.interface';
