import type { ChipDescription } from './chips/types';
import type { SpiController } from './spi-controller';

/**
 * The chip's address space as READ_REG / WRITE_REG reach it. It holds what hosts read to identify
 * a board: the detection word at 0x40001000 (in ROM, read-only), the efuse/OTP words (MAC, package,
 * revision, features; read-only), the UART clock divider (derived from the current baud, so a host
 * multiplying it back gets the crystal frequency), the strapping register, and the SPI flash
 * controller. Any other address behaves as plain memory: it reads 0 until written.
 */
export const CHIP_DETECT_MAGIC_REG = 0x40001000;

export class RegisterMap {
  private readonly fixed = new Map<number, number>();
  private readonly memory = new Map<number, number>();

  constructor(
    private readonly chip: ChipDescription,
    mac: Uint8Array,
    private readonly spi: SpiController,
    private readonly uartBaud: () => number,
    private readonly strap: () => number,
  ) {
    this.fixed.set(CHIP_DETECT_MAGIC_REG, chip.magicValue);
    for (const [address, value] of chip.fixedRegisters) this.fixed.set(address, value >>> 0);
    for (const [address, value] of chip.macRegisters(mac)) this.fixed.set(address, value >>> 0);
  }

  read(address: number): number {
    const a = address >>> 0;
    const fixed = this.fixed.get(a);
    if (fixed !== undefined) return fixed;
    if (a === this.chip.uartClkdivReg) return this.uartDivider();
    if (a === this.chip.gpioStrap.reg) return this.strap() >>> 0;
    if (this.spi.handles(a)) return this.spi.read(a);
    return this.memory.get(a) ?? 0;
  }

  /** value & mask replaces the masked bits, as the loaders' WRITE_REG does. */
  write(address: number, value: number, mask = 0xffffffff): void {
    const a = address >>> 0;
    // ROM, efuses and the strapping latch are read-only; the UART divider is owned by the baud model.
    if (this.fixed.has(a) || a === this.chip.uartClkdivReg || a === this.chip.gpioStrap.reg) return;
    const m = mask >>> 0;
    const merged = m === 0xffffffff ? value >>> 0 : ((value & m) | (this.read(a) & ~m)) >>> 0;
    if (this.spi.handles(a)) this.spi.write(a, merged);
    else this.memory.set(a, merged);
  }

  /** A chip reset clears peripheral registers and RAM; efuses and ROM stay. */
  reset(): void {
    this.memory.clear();
    this.spi.reset();
  }

  private uartDivider(): number {
    const exact = this.chip.uartClockHz / this.uartBaud();
    if (!this.chip.uartClkdivHasFraction) return Math.round(exact);
    const integer = Math.floor(exact);
    const fraction = Math.round((exact - integer) * 16) & 0xf;
    return ((fraction << 20) | integer) >>> 0;
  }
}
