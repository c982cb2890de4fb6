import type { PortListing } from '../../shared/types/ports';

export type PortListingSource = () => Promise<PortListing>;

/**
 * Polls the port list and reports when it changes (a board plugged in or pulled out). Polling,
 * because serialport has no hot-plug events on every platform; a second is quick enough for a
 * person and cheap for the machine.
 */
export class PortWatcher {
  private last: PortListing = { ports: [], warnings: [] };
  private lastKey = '';
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<PortListing> | null = null;

  constructor(
    private readonly lister: PortListingSource,
    private readonly onChange: (listing: PortListing) => void,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.poll().catch(() => undefined);
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Lists now (coalescing concurrent calls) and emits a change if the list differs. */
  async poll(): Promise<PortListing> {
    this.polling ??= this.lister().finally(() => {
      this.polling = null;
    });
    const ports = await this.polling;
    const key = JSON.stringify(ports);
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.last = ports;
      this.onChange(ports);
    }
    return this.last;
  }
}
