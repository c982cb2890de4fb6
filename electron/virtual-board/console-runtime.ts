import type { ChipFamily } from '../../shared/types/chips';

/**
 * The seam between the virtual board (UART, reset circuit, flash) and the firmware it "runs"
 * after a reset into a valid MicroPython image. The board owns timing and the link model;
 * the runtime only sees UART bytes in and out.
 */

/**
 * A region of the board's flash that the running firmware uses for its filesystem, as real
 * MicroPython does. Living inside flash means erase_flash wipes it and a full-flash backup
 * carries it, exactly as on hardware.
 */
export interface BoardStorage {
  /** Size of the region in bytes. */
  readonly size: number;
  /** The region's current bytes (0xFF where erased). */
  read(): Uint8Array;
  /** Erases the sectors covered and programs data at the region's start (data.length <= size). */
  write(data: Uint8Array): void;
}

export interface ConsoleRuntimeOptions {
  /** Shown in the banner, e.g. "Kiln virtual board with ESP32". */
  boardName: string;
  chip: ChipFamily;
  /** The version string found in the flashed image, e.g. "v1.24.1". */
  firmwareVersion: string;
  /** Bytes the firmware writes to its UART; the board applies the link model before the host sees them. */
  output(bytes: Uint8Array): void;
  storage: BoardStorage;
}

export interface ConsoleRuntime {
  /** Bytes the host sent to the board's UART while the firmware runs. */
  input(bytes: Uint8Array): void;
  /** Stops the interpreter (the board was reset, erased or unplugged); pending output is dropped. */
  stop(): Promise<void>;
}

export type ConsoleRuntimeFactory = (options: ConsoleRuntimeOptions) => Promise<ConsoleRuntime>;
