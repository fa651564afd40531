import type { AttributeValue } from '@opentelemetry/api';
import type { OperationAttributes } from '../../hooks/hook.types';
import type { SpanAttributesProvider } from './span-attributes-provider.interface';
import { WRITE_ATTRIBUTES } from '../tracing.internal-constants';

/** Anything attributes can be written to: an OpenTelemetry span, a `CqrsSpan`, a record. */
export interface AttributeSink {
  setAttribute(key: string, value: AttributeValue): unknown;
}

/** Where the span factories report a failing attribute provider. */
export interface FailureSink {
  report(source: string, error: unknown): void;
}

/** The allocation-free form of a built-in provider. */
export type AttributeWriter = (
  sink: AttributeSink,
  message: unknown,
  attributes: Readonly<OperationAttributes>,
) => void;

type MaybeBuiltIn = SpanAttributesProvider & { [WRITE_ATTRIBUTES]?: AttributeWriter };

/**
 * Runs each provider for `source` and writes what it gives to `sink`. A provider that throws
 * is reported and skipped; the others still run.
 */
export function applyAttributeProviders(
  sink: AttributeSink,
  providers: readonly SpanAttributesProvider[],
  source: Readonly<OperationAttributes>,
  reporter: FailureSink,
): void {
  const message = source.message;
  for (let i = 0; i < providers.length; i++) {
    const provider = providers[i] as MaybeBuiltIn;
    try {
      const write = provider[WRITE_ATTRIBUTES];
      if (write !== undefined) {
        write(sink, message, source);
        continue;
      }
      const added = provider(message, source);
      if (added === undefined || added === null) continue;
      for (const key in added) {
        const value = added[key];
        if (value !== undefined && value !== null) sink.setAttribute(key, value);
      }
    } catch (error) {
      reporter.report(`SpanAttributesProvider "${provider.name || 'anonymous'}"`, error);
    }
  }
}
