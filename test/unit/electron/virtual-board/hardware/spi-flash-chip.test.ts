import { describe, expect, it } from 'vitest';
import { NorFlash } from '../../../../../electron/virtual-board/hardware/nor-flash';
import { defaultJedecId, SpiFlashChip, type SpiTransaction } from '../../../../../electron/virtual-board/hardware/spi-flash-chip';

const tx = (command: number, extra: Partial<SpiTransaction> = {}): SpiTransaction => ({
  command,
  address: null,
  addressBits: 0,
  dummyBits: 0,
  mosi: new Uint8Array(0),
  misoBytes: 0,
  ...extra,
});

describe('SPI NOR chip commands', () => {
  it.each([
    [0xef4016, 'Winbond W25Q32'],
    [0xc84016, 'GigaDevice GD25Q32'],
    [0x204016, 'XMC XM25QH32'],
    [0xe04014, 'Berg Micro BG25Q80A'],
  ])('RDID returns manufacturer, type, capacity of %s (%s)', (id) => {
    const chip = new SpiFlashChip(new NorFlash(1024 * 1024), id);
    const out = chip.execute(tx(0x9f, { misoBytes: 3 }));
    expect(Array.from(out)).toEqual([(id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff]);
  });

  it('defaults to a Winbond id whose capacity byte matches the size', () => {
    expect(defaultJedecId(4 * 1024 * 1024)).toBe(0xef4016);
    expect(defaultJedecId(1024 * 1024)).toBe(0xef4014);
  });

  it('ignores erase and program without WREN, obeys them after', () => {
    const flash = new NorFlash(1024 * 1024);
    const chip = new SpiFlashChip(flash, 0xef4014);
    chip.execute(tx(0x02, { address: 0x100, mosi: Uint8Array.from([0x00]) }));
    expect(flash.read(0x100, 1)[0]).toBe(0xff);
    chip.execute(tx(0x06));
    expect(chip.execute(tx(0x05, { misoBytes: 1 }))[0]! & 0x02).toBe(0x02); // WEL set
    chip.execute(tx(0x02, { address: 0x100, mosi: Uint8Array.from([0x00]) }));
    expect(flash.read(0x100, 1)[0]).toBe(0x00);
    expect(chip.execute(tx(0x05, { misoBytes: 1 }))[0]! & 0x02).toBe(0); // WEL cleared by the write
  });

  it('page program wraps inside the 256-byte page', () => {
    const flash = new NorFlash(1024 * 1024);
    const chip = new SpiFlashChip(flash, 0xef4014);
    chip.execute(tx(0x06));
    chip.execute(tx(0x02, { address: 0x1fe, mosi: Uint8Array.from([0x01, 0x02, 0x03]) }));
    expect(Array.from(flash.read(0x1fe, 2))).toEqual([0x01, 0x02]);
    expect(flash.read(0x100, 1)[0]).toBe(0x03);
  });

  it('answers SFDP with the signature and the manufacturer id at 0x10', () => {
    const chip = new SpiFlashChip(new NorFlash(1024 * 1024), 0x204016);
    const sig = chip.execute(tx(0x5a, { address: 0, addressBits: 24, dummyBits: 8, misoBytes: 4 }));
    expect(Buffer.from(sig).toString('latin1')).toBe('SFDP');
    expect(chip.execute(tx(0x5a, { address: 0x10, addressBits: 24, dummyBits: 8, misoBytes: 1 }))[0]).toBe(0x20);
  });

  it('in deep power-down only the release command is heard', () => {
    const chip = new SpiFlashChip(new NorFlash(1024 * 1024), 0xef4014);
    chip.execute(tx(0xb9));
    expect(Array.from(chip.execute(tx(0x9f, { misoBytes: 3 })))).toEqual([0xff, 0xff, 0xff]);
    chip.execute(tx(0xab, { misoBytes: 1 }));
    expect(Array.from(chip.execute(tx(0x9f, { misoBytes: 3 })))).toEqual([0xef, 0x40, 0x14]);
  });
});
