import type { NorFlash } from './nor-flash';
import { SECTOR } from './nor-flash';

/**
 * The flash chip at the command level, as a SPI NOR part answers on the bus: JEDEC RDID (0x9F),
 * status registers (0x05/0x35/0x15, writes 0x01/0x31/0x11 behind WREN/WEVSR), SFDP (0x5A), reads
 * (0x03/0x0B), page program (0x02, wrapping inside the 256-byte page), sector/block/chip erase
 * (0x20/0x52/0xD8/0x60/0xC7, all needing WREN), deep power-down (0xB9) and release (0xAB).
 * The ROM's register-level SPI controller (spi-controller.ts) drives it.
 *
 * JEDEC id representation: 0xMMTTCC, the three RDID bytes in the order they come off the wire
 * (manufacturer, memory type, capacity), as datasheets print them (Winbond W25Q32: 0xEF4016).
 */
export interface SpiTransaction {
  command: number;
  address: number | null;
  addressBits: number;
  dummyBits: number;
  mosi: Uint8Array;
  misoBytes: number;
}

const STATUS_WIP = 0x01;
const STATUS_WEL = 0x02;

/** A plausible default id for a given size: Winbond W25Q family (0xEF, type 0x40, capacity log2). */
export function defaultJedecId(flashSize: number): number {
  return (0xef << 16) | (0x40 << 8) | Math.log2(flashSize);
}

export class SpiFlashChip {
  /** SR1 | SR2 << 8 | SR3 << 16 (WIP and WEL live in SR1 bits 0 and 1). */
  private status = 0;
  private volatileWriteEnabled = false;
  private poweredDown = false;

  constructor(
    private readonly flash: NorFlash,
    readonly jedecId: number,
  ) {}

  get manufacturer(): number {
    return (this.jedecId >>> 16) & 0xff;
  }

  /** A reset of the chip's host (the ESP) does not reset the flash, except its write latch. */
  resetLatches(): void {
    this.status &= ~(STATUS_WEL | STATUS_WIP);
    this.volatileWriteEnabled = false;
  }

  execute(tx: SpiTransaction): Uint8Array {
    const out = new Uint8Array(tx.misoBytes).fill(0xff);
    if (this.poweredDown) {
      // Only "release from power-down" is heard; everything else floats (reads as 0xFF).
      if (tx.command === 0xab) {
        this.poweredDown = false;
        fillRepeating(out, [this.jedecId & 0xff]);
      }
      return out;
    }
    const addr = tx.address ?? 0;
    switch (tx.command) {
      case 0x9f: // RDID
        fillRepeating(out, [(this.jedecId >>> 16) & 0xff, (this.jedecId >>> 8) & 0xff, this.jedecId & 0xff]);
        break;
      case 0x90: // REMS: manufacturer, device id (capacity - 1, as Winbond parts answer)
        fillRepeating(out, [this.manufacturer, (this.jedecId & 0xff) - 1]);
        break;
      case 0xab: // RES: device id
        fillRepeating(out, [(this.jedecId & 0xff) - 1]);
        break;
      case 0x05:
        fillRepeating(out, [this.status & 0xff]);
        break;
      case 0x35:
        fillRepeating(out, [(this.status >>> 8) & 0xff]);
        break;
      case 0x15:
        fillRepeating(out, [(this.status >>> 16) & 0xff]);
        break;
      case 0x06: // WREN
        this.status |= STATUS_WEL;
        break;
      case 0x04: // WRDI
        this.status &= ~STATUS_WEL;
        this.volatileWriteEnabled = false;
        break;
      case 0x50: // write enable for volatile status register
        this.volatileWriteEnabled = true;
        break;
      case 0x01: // WRSR: SR1, and SR2 when two bytes follow
        if (this.writeStatusAllowed()) {
          if (tx.mosi.length >= 1) this.status = (this.status & ~0xfc) | ((tx.mosi[0] as number) & 0xfc);
          if (tx.mosi.length >= 2) this.status = (this.status & ~0xff00) | ((tx.mosi[1] as number) << 8);
          this.finishWrite();
        }
        break;
      case 0x31:
        if (this.writeStatusAllowed() && tx.mosi.length >= 1) {
          this.status = (this.status & ~0xff00) | ((tx.mosi[0] as number) << 8);
          this.finishWrite();
        }
        break;
      case 0x11:
        if (this.writeStatusAllowed() && tx.mosi.length >= 1) {
          this.status = (this.status & ~0xff0000) | ((tx.mosi[0] as number) << 16);
          this.finishWrite();
        }
        break;
      case 0x5a: // RDSFDP
        for (let i = 0; i < out.length; i++) out[i] = this.sfdpByte(addr + i);
        break;
      case 0x03: // READ
      case 0x0b: // FAST_READ (the dummy byte is part of the transaction)
        this.flash.readInto(addr, out);
        break;
      case 0x4b: // read unique id: a stable 64-bit value derived from the JEDEC id
        for (let i = 0; i < out.length; i++) out[i] = (this.jedecId >>> ((i % 3) * 8)) & 0xff ^ (0x5a + i);
        break;
      case 0x02: // page program, wrapping inside the 256-byte page like the real part
        if (this.consumeWriteEnable()) {
          const page = addr & ~0xff;
          for (let i = 0; i < tx.mosi.length; i++) {
            this.flash.program(page + ((addr + i) & 0xff), tx.mosi.subarray(i, i + 1));
          }
        }
        break;
      case 0x20: // sector erase
        if (this.consumeWriteEnable()) this.flash.eraseSector(Math.floor(addr / SECTOR));
        break;
      case 0x52: // 32 KiB block erase
        if (this.consumeWriteEnable()) this.flash.eraseSectors(Math.floor(addr / 0x8000) * 8, 8);
        break;
      case 0xd8: // 64 KiB block erase
        if (this.consumeWriteEnable()) this.flash.eraseBlock64(Math.floor(addr / 0x10000));
        break;
      case 0x60:
      case 0xc7: // chip erase
        if (this.consumeWriteEnable()) this.flash.eraseChip();
        break;
      case 0xb9: // deep power-down
        this.poweredDown = true;
        break;
      default:
        // Unknown to this part: it does not drive MISO.
        break;
    }
    return out;
  }

  private writeStatusAllowed(): boolean {
    return (this.status & STATUS_WEL) !== 0 || this.volatileWriteEnabled;
  }

  private finishWrite(): void {
    this.status &= ~(STATUS_WEL | STATUS_WIP);
    this.volatileWriteEnabled = false;
  }

  private consumeWriteEnable(): boolean {
    if ((this.status & STATUS_WEL) === 0) return false;
    this.status &= ~STATUS_WEL;
    return true;
  }

  /**
   * A minimal SFDP table: "SFDP" signature, revision 1.6, two parameter headers (the JEDEC basic
   * table, then a vendor table whose id is the manufacturer code, at offset 0x10 - esptool reads
   * that byte to recognise XMC parts), and a basic table that states the density.
   */
  private sfdpByte(address: number): number {
    const a = address & 0xff;
    const header = [
      0x53, 0x46, 0x44, 0x50, 0x06, 0x01, 0x01, 0xff, // signature, minor/major rev, NPH = 1 (two headers), 0xff
      0x00, 0x06, 0x01, 0x10, 0x30, 0x00, 0x00, 0xff, // JEDEC basic table: id 0, rev 1.6, 16 dwords at 0x30
      this.manufacturer, 0x00, 0x01, 0x01, 0x70, 0x00, 0x00, 0xff, // vendor table, 1 dword at 0x70
    ];
    if (a < header.length) return header[a] as number;
    if (a >= 0x30 && a < 0x70) {
      // Dword 2 of the basic table holds the density in bits minus one.
      const densityBits = this.flash.size * 8 - 1;
      if (a >= 0x34 && a < 0x38) return (densityBits >>> ((a - 0x34) * 8)) & 0xff;
      return a === 0x30 ? 0xe5 : a === 0x31 ? 0x20 : 0xff;
    }
    return 0xff;
  }
}

function fillRepeating(out: Uint8Array, pattern: number[]): void {
  for (let i = 0; i < out.length; i++) out[i] = pattern[i % pattern.length] as number;
}
