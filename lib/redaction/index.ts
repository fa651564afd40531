export {
  getTraceAttributeFields,
  Hash,
  Redact,
  TraceAttribute,
  type TraceAttributeField,
} from './redaction.decorators';
export {
  DEFAULT_MAX_PAYLOAD_CHARS,
  DEFAULT_SENSITIVE_FIELDS,
  REDACTION_MARKER,
  type RedactionOptions,
  type ResolvedRedactionOptions,
  resolveRedactionOptions,
  TRUNCATION_SUFFIX,
} from './redaction.options';
export { RedactionPolicy, type TraceAttributeValue } from './redaction.policy';
export type { SerializedPayload } from './serialized-payload.interface';
