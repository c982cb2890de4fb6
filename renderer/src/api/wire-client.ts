import type { KilnApi, WireResponse } from '../../../shared/contract/api';
import type { EventName, EventPayload, RequestArgs, RequestName, RequestResult } from '../../../shared/contract';
import { KilnRequestError } from '../../../shared/types/errors';

/** The two things a transport must do; KilnApi's typing and error handling are layered on top once. */
export interface Transport {
  invoke(name: string, args: unknown): Promise<WireResponse>;
  on(name: string, listener: (payload: unknown) => void): () => void;
}

export function apiOverTransport(transport: Transport): KilnApi {
  return {
    async invoke<N extends RequestName>(name: N, args: RequestArgs<N>): Promise<RequestResult<N>> {
      const response = await transport.invoke(name, args);
      if (!response.ok) throw new KilnRequestError(response.error);
      return response.result as RequestResult<N>;
    },
    on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void) {
      return transport.on(name, listener as (payload: unknown) => void);
    },
  };
}
