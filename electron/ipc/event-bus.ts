import type { EventName, EventPayload } from '../../shared/contract';

export type EventSink = (name: EventName, payload: unknown) => void;

/**
 * Fans events from services out to every connected client (the Electron window, WebSocket
 * clients). Services emit typed events; sinks forward them over their transport.
 */
export class EventBus {
  private readonly sinks = new Set<EventSink>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    for (const sink of this.sinks) {
      try {
        sink(name, payload);
      } catch (error) {
        // A broken client must not stop the others from hearing about progress.
        console.error(`[kiln] an event sink failed for ${name}:`, error);
      }
    }
  }

  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }
}
