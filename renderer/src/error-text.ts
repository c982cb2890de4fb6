import { KilnRequestError } from '../../shared/types/errors';

/** One readable sentence (plus what to do) for any failure a request can produce. */
export function describeError(error: unknown): string {
  if (error instanceof KilnRequestError) return error.hint ? `${error.message} ${error.hint}` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
