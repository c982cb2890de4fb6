import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EN_RISE_MS, ResetCircuit } from '../../../../../electron/virtual-board/hardware/reset-circuit';

function harness(autoReset = true, strappedLow = false) {
  const events: string[] = [];
  const circuit = new ResetCircuit(autoReset, strappedLow, {
    holdInReset: () => events.push('reset'),
    release: (io0Low) => events.push(io0Low ? 'boot:download' : 'boot:run'),
  });
  return { circuit, events };
}

describe('NodeMCU auto-reset circuit (DTR -> IO0, RTS -> EN through two transistors)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('truth table: IO0 low only for DTR alone, EN low only for RTS alone', () => {
    const { circuit, events } = harness();
    circuit.setLines({ dtr: true, rts: true }); // both: nothing happens
    expect(circuit.io0Low).toBe(false);
    expect(events).toEqual([]);
    circuit.setLines({ dtr: true, rts: false });
    expect(circuit.io0Low).toBe(true);
    circuit.setLines({ dtr: false, rts: true });
    expect(circuit.io0Low).toBe(false);
    expect(events).toEqual(['reset']);
  });

  it("esptool's classic sequence enters download mode (IO0 still low when EN has risen)", () => {
    const { circuit, events } = harness();
    circuit.setLines({ dtr: false });
    circuit.setLines({ rts: true }); // EN low
    vi.advanceTimersByTime(100);
    circuit.setLines({ dtr: true }); // both asserted for a moment: EN released...
    circuit.setLines({ rts: false }); // ...and IO0 pulled low before the RC delay ends
    vi.advanceTimersByTime(50);
    circuit.setLines({ dtr: false });
    expect(events).toEqual(['reset', 'boot:download']);
  });

  it('releasing IO0 together with EN boots the app (no delay for the RC to charge)', () => {
    const { circuit, events } = harness();
    circuit.setLines({ dtr: false, rts: true });
    circuit.setLines({ dtr: true, rts: false });
    circuit.setLines({ dtr: false, rts: false }); // IO0 high again before EN rose
    vi.advanceTimersByTime(EN_RISE_MS + 1);
    expect(events).toEqual(['reset', 'boot:run']);
  });

  it('the hard reset (RTS pulse, DTR idle) boots the app', () => {
    const { circuit, events } = harness();
    circuit.setLines({ rts: true });
    vi.advanceTimersByTime(100);
    circuit.setLines({ rts: false });
    vi.advanceTimersByTime(EN_RISE_MS + 1);
    expect(events).toEqual(['reset', 'boot:run']);
  });

  it('a board without the circuit ignores DTR/RTS; the buttons still work', () => {
    const { circuit, events } = harness(false);
    circuit.setLines({ dtr: false, rts: true });
    vi.advanceTimersByTime(200);
    expect(events).toEqual([]);
    circuit.pressReset(true);
    expect(events).toEqual(['reset', 'boot:download']);
  });

  it('IO0 strapped low makes every reset a download boot', () => {
    const { circuit, events } = harness(true, true);
    circuit.pressReset(false);
    expect(events).toEqual(['reset', 'boot:download']);
  });
});
