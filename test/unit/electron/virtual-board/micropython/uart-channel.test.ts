import { describe, expect, it } from 'vitest';
import { createUartChannelBuffer, UART_CHANNEL_LAYOUT as L, UartChannelHost } from '../../../../../electron/virtual-board/micropython/uart-channel';

/** Plays the worker's side of the channel by hand. */
function workerView(buffer: SharedArrayBuffer) {
  const control = new Int32Array(buffer, 0, L.controlWords);
  const ring = new Uint8Array(buffer, L.ringOffset, L.ringSize);
  const outRing = new Uint8Array(buffer, L.outRingOffset, L.outRingSize);
  return {
    control,
    take(): number[] {
      const write = Atomics.load(control, L.WRITE) >>> 0;
      const read = Atomics.load(control, L.READ) >>> 0;
      const bytes: number[] = [];
      for (let i = read; i !== write; i = (i + 1) >>> 0) bytes.push(ring[i % L.ringSize]!);
      Atomics.store(control, L.READ, write | 0);
      return bytes;
    },
    publish(bytes: number[]): void {
      let write = Atomics.load(control, L.OUT_WRITE) >>> 0;
      for (const byte of bytes) {
        outRing[write % L.outRingSize] = byte;
        write = (write + 1) >>> 0;
      }
      Atomics.store(control, L.OUT_WRITE, write | 0);
    },
  };
}

describe('UartChannelHost', () => {
  it('moves input bytes through the ring across its wrap-around', () => {
    const buffer = createUartChannelBuffer();
    const host = new UartChannelHost(buffer);
    const worker = workerView(buffer);
    const chunk = Uint8Array.from({ length: 40_000 }, (_, i) => i & 0xff);
    expect(host.write(chunk)).toBe(40_000);
    expect(worker.take()).toHaveLength(40_000);
    expect(host.write(chunk)).toBe(40_000); // wraps past the end of the 64 KiB ring
    expect(worker.take()).toEqual(Array.from(chunk));
  });

  it('takes only what fits and reports room', () => {
    const host = new UartChannelHost(createUartChannelBuffer());
    expect(host.write(new Uint8Array(L.ringSize + 10))).toBe(L.ringSize);
    expect(host.free).toBe(0);
    expect(host.pending).toBe(L.ringSize);
    expect(host.write(Uint8Array.of(1))).toBe(0);
  });

  it('queues an interrupting Ctrl-C in order and records where it is', () => {
    const buffer = createUartChannelBuffer();
    const host = new UartChannelHost(buffer);
    const worker = workerView(buffer);
    host.write(Uint8Array.of(0x61, 0x62));
    expect(host.writeInterrupt()).toBe(2);
    expect(Atomics.load(worker.control, L.IRQ)).toBe(1);
    expect(Atomics.load(worker.control, L.IRQ_POS)).toBe(2);
    expect(worker.take()).toEqual([0x61, 0x62, 0x03]);
    host.raiseInterrupt();
    expect(Atomics.load(worker.control, L.IRQ)).toBe(2);
  });

  it('hands over published output once and wakes only when armed', () => {
    const buffer = createUartChannelBuffer();
    const host = new UartChannelHost(buffer);
    const worker = workerView(buffer);
    host.resetForNewWorker();
    worker.publish([0x4f, 0x4b]);
    expect(Array.from(host.readOutput())).toEqual([0x4f, 0x4b]);
    expect(host.readOutput()).toHaveLength(0);
    expect(host.armOutputWake()).toBe(false);
    expect(Atomics.load(worker.control, L.OUT_IDLE)).toBe(1);
    worker.publish([0x3e]);
    expect(host.armOutputWake()).toBe(true);
  });

  it('reads output only up to a given point', () => {
    const buffer = createUartChannelBuffer();
    const host = new UartChannelHost(buffer);
    const worker = workerView(buffer);
    worker.publish([1, 2]);
    const upTo = host.outputPublished;
    worker.publish([3]);
    expect(Array.from(host.readOutput(upTo))).toEqual([1, 2]);
    expect(Array.from(host.readOutput())).toEqual([3]);
  });
});
