import { MessageValidationError } from '../validation/message-validation.error';
import type { MicroservicesPackage } from './microservices-package';

/**
 * What a handler's error becomes for the RPC client. Nest's `BaseRpcExceptionFilter` hands
 * only an `RpcException` to the client and answers "Internal server error" for anything
 * else, so an invalid message — the caller's mistake — is turned into an `RpcException`
 * carrying the same body as the HTTP 400. Every other error is returned as it is.
 */
export function rpcClientError(
  error: unknown,
  microservices: () => MicroservicesPackage | undefined,
): unknown {
  if (!(error instanceof MessageValidationError)) return error;
  const RpcException = microservices()?.RpcException;
  return RpcException === undefined ? error : new RpcException(error.getResponse());
}
