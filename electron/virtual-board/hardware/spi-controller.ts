import type { SpiControllerLayout } from './chips/types';
import type { SpiFlashChip } from './spi-flash-chip';

/**
 * The SPI flash controller's registers as READ_REG/WRITE_REG see them, enough for the "user
 * command" sequence hosts use to talk to the flash chip directly (esptool's run_spiflash_command):
 * set USR (phases: command, address, dummy, MOSI, MISO), USR1 (address/dummy lengths; on the ESP8266
 * also the MOSI/MISO bit lengths), USR2 (command length and value), ADDR, the MOSI/MISO length
 * registers (ESP32 family), the data words W0..W15; then set CMD.USR (bit 18). The transaction runs
 * at once, CMD.USR reads back 0, and MISO data lands in W0.. least significant byte first.
 */
const USR_COMMAND = 1 << 31;
const USR_ADDR = 1 << 30;
const USR_DUMMY = 1 << 29;
const USR_MISO = 1 << 28;
const USR_MOSI = 1 << 27;
const CMD_USR = 1 << 18;

const WINDOW = 0x100;
const W_WORDS = 16;

export class SpiController {
  private readonly regs = new Uint32Array(WINDOW / 4);

  constructor(
    private readonly layout: SpiControllerLayout,
    private readonly chip: SpiFlashChip,
    /** Whether the flash pins are routed to this controller (SPI_ATTACH on the ESP32 family). */
    private readonly attached: () => boolean,
  ) {}

  handles(address: number): boolean {
    return address >= this.layout.base && address < this.layout.base + WINDOW;
  }

  read(address: number): number {
    return (this.regs[(address - this.layout.base) >>> 2] ?? 0) >>> 0;
  }

  write(address: number, value: number): void {
    const index = (address - this.layout.base) >>> 2;
    if (index === 0) {
      // CMD: the user-command bit starts a transaction; every command bit self-clears when done.
      if (value & CMD_USR) this.runUserCommand();
      this.regs[0] = 0;
      return;
    }
    this.regs[index] = value >>> 0;
  }

  /** The chip reset: the controller's registers return to zero. */
  reset(): void {
    this.regs.fill(0);
  }

  private reg(offset: number): number {
    return (this.regs[offset >>> 2] ?? 0) >>> 0;
  }

  private runUserCommand(): void {
    const L = this.layout;
    const usr = this.reg(L.usrOffset);
    const usr1 = this.reg(L.usr1Offset);
    const usr2 = this.reg(L.usr2Offset);
    const hasLengthRegs = L.mosiDlenOffset !== null && L.misoDlenOffset !== null;

    const addressBits = ((usr1 >>> 26) & 0x3f) + 1;
    const dummyBits = (usr1 & 0xff) + 1;
    const mosiBits = hasLengthRegs ? (this.reg(L.mosiDlenOffset as number) & 0xffffff) + 1 : ((usr1 >>> 17) & 0x1ff) + 1;
    const misoBits = hasLengthRegs ? (this.reg(L.misoDlenOffset as number) & 0xffffff) + 1 : ((usr1 >>> 8) & 0x1ff) + 1;

    const command = usr & USR_COMMAND ? usr2 & 0xff : 0;
    let address: number | null = null;
    if (usr & USR_ADDR) {
      const raw = this.reg(0x04);
      address = L.addrRegMsb ? raw >>> (32 - addressBits) : addressBits >= 32 ? raw : raw & ((1 << addressBits) - 1);
    }
    const mosi = new Uint8Array(usr & USR_MOSI ? Math.min(W_WORDS * 4, Math.ceil(mosiBits / 8)) : 0);
    for (let i = 0; i < mosi.length; i++) mosi[i] = (this.reg(L.w0Offset + (i & ~3)) >>> ((i & 3) * 8)) & 0xff;
    const misoBytes = usr & USR_MISO ? Math.min(W_WORDS * 4, Math.ceil(misoBits / 8)) : 0;

    let miso: Uint8Array;
    if (this.attached()) {
      miso = this.chip.execute({ command, address, addressBits, dummyBits: usr & USR_DUMMY ? dummyBits : 0, mosi, misoBytes });
    } else {
      // No flash on the bus: MISO floats high.
      miso = new Uint8Array(misoBytes).fill(0xff);
    }
    // Received bits fill the data words from the least significant byte of W0 upwards.
    for (let i = 0; i < miso.length; i++) {
      const wordOffset = L.w0Offset + (i & ~3);
      const shift = (i & 3) * 8;
      let byte = miso[i] as number;
      const lastBits = misoBits - i * 8;
      if (lastBits < 8) byte &= (1 << lastBits) - 1;
      const word = (this.reg(wordOffset) & ~(0xff << shift)) | (byte << shift);
      this.regs[wordOffset >>> 2] = word >>> 0;
    }
  }
}
