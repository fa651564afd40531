import { TraceFlags } from '@opentelemetry/api';
import { activeSpanContext } from '../shared/active-span';
import { EXEMPLAR_TRACE_ID } from './metrics.constants';
import type { ExemplarLabels } from './series.interfaces';

/**
 * Exemplar labels linking an observation to the active trace, or undefined when there is no
 * sampled span: an exemplar pointing at a trace that was never exported is a dead link.
 */
export function traceExemplar(): ExemplarLabels | undefined {
  try {
    const spanContext = activeSpanContext();
    if (spanContext === undefined) return undefined;
    if ((spanContext.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
    return { [EXEMPLAR_TRACE_ID]: spanContext.traceId };
  } catch {
    // A broken context manager costs the exemplar, never the observation.
    return undefined;
  }
}
