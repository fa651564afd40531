/** A payload rendered by `RedactionPolicy.serialize()`. */
export interface SerializedPayload {
  /** Redacted JSON, at most `maxPayloadChars` characters plus `...<truncated>` when cut. */
  json: string;
  /**
   * Length of the redacted JSON before truncation (the `cqrs.payload_size` attribute). For a
   * payload far larger than the budget the walk stops early, so this is then a lower bound that
   * still exceeds `maxPayloadChars`.
   */
  size: number;
  /** Whether `json` was cut. */
  truncated: boolean;
}
