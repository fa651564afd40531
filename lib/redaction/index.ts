export {
  Audit,
  type AuditField,
  Hash,
  Redact,
  TraceAttribute,
  type TraceAttributeField,
} from './redaction.decorators';
export { AUDIT_ATTRIBUTE_PREFIX } from './audit.constants';
export {
  DEFAULT_MAX_PAYLOAD_CHARS,
  DEFAULT_PERSONAL_FIELDS,
  DEFAULT_SENSITIVE_FIELDS,
  DEFAULT_VALUE_DETECTORS,
  REDACTION_MARKER,
  type RedactionOptions,
  TRUNCATION_SUFFIX,
  type ValueDetectorName,
} from './redaction.options';
export { RedactedError } from './redacted-error';
export { RedactionPolicy, type TraceAttributeValue } from './redaction.policy';
export type { SerializedPayload } from './serialized-payload.interface';
