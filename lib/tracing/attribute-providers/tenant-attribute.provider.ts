import { builtIn } from './built-in-attribute.providers';
import { TracingAttributes } from '../tracing.constants';

/** `tenant.id`: the operation's tenant, registered by the module when `tenant` is on. */
export const tenantAttributesProvider = builtIn('tenantAttributesProvider', (sink, _m, a) => {
  const tenant = a.tenant_id;
  if (typeof tenant === 'string') sink.setAttribute(TracingAttributes.TENANT_ID, tenant);
});
