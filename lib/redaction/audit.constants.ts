/** Span attribute key prefix of `@Audit()` fields: `audit.<name>`. */
export const AUDIT_ATTRIBUTE_PREFIX = 'audit.';
