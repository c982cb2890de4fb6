import type { ChipDescription } from '../hardware/chips/types';
import type { NorFlash } from '../hardware/nor-flash';
import type { RegisterMap } from '../hardware/register-map';

/** What the board offers the ROM loader and the stub: its flash, registers, UART and boot control. */
export interface LoaderHost {
  readonly chipInfo: ChipDescription;
  readonly flash: NorFlash;
  readonly registers: RegisterMap;
  /** Whether the flash pins are attached to the SPI controller (SPI_ATTACH on the ESP32 family). */
  spiAttached: boolean;
  /** The UART's current baud. */
  readonly baud: number;
  /** Sends one SLIP frame at the current baud. */
  sendFrame(payload: Uint8Array): void;
  /** Changes the UART baud; what was already sent keeps the old one. */
  setBaud(baud: number): void;
  /**
   * MEM_END with an entry point: the uploaded code runs. The board cannot execute it, so code that
   * starts inside what was uploaded is taken to be the flasher stub; anything else crashes.
   */
  runUploadedCode(entry: number, uploaded: ReadonlyArray<readonly [start: number, end: number]>): void;
  /** FLASH_END / RUN_USER_CODE: leave the loader, rebooting or jumping to the app. */
  leaveLoader(action: 'reboot' | 'run-app'): void;
}

/** A loader handles one frame at a time; a promise holds back the next frame until it settles. */
export interface Loader {
  handleFrame(frame: Uint8Array): void | Promise<void>;
  dispose(): void;
  /** True for commands answered before their flash work is done (the stub's data blocks); default false. */
  answersBeforeFlashWork?(op: number): boolean;
  /**
   * How many command frames the loader can hold while it works: the stub's UART interrupt
   * alternates between two buffers, one being handled and one receiving. Unset: not modelled.
   */
  readonly receiveBuffers?: number;
}
