import type { ChipFamily } from '../../shared/types/chips';
import { slipEncode } from '../esp/slip';
import type { ModemSignals } from '../serial/link';
import { flashRegionStorage } from './hardware/filesystem-region';
import type { ChipDescription, ResetCause } from './hardware/chips/types';
import type { ConsoleRuntime, ConsoleRuntimeFactory } from './console-runtime';
import { FaultInjector, type FaultOptions } from './wire/faults';
import { findMicroPythonBuild, microPythonFilesystemRegion, probeBootImage } from './hardware/boot-image-check';
import { FlashFileWriter } from './hardware/flash-file';
import { FlashClock, flashTimesFor, flashTimingScale, type FlashTiming } from './hardware/flash-timing';
import { FrameReader } from './loaders/slip-receiver';
import { HostLink, type HostLinkOwner } from './wire/usb-cable';
import { Wire, type LinkTiming } from './wire/link-model';
import type { Loader, LoaderHost } from './loaders/loader-context';
import { NorFlash } from './hardware/nor-flash';
import { RegisterMap } from './hardware/register-map';
import { ResetCircuit } from './hardware/reset-circuit';
import { ROM_MAX_FRAME, RomLoader } from './loaders/rom-bootloader';
import { SpiController } from './hardware/spi-controller';
import { SpiFlashChip } from './hardware/spi-flash-chip';
import { StubLoader } from './loaders/flasher-stub';
import { resampleUart } from './wire/uart-resample';

export type BoardState = 'download-rom' | 'download-stub' | 'running-app' | 'boot-failed' | 'off';

export interface BoardConfig {
  chip: ChipDescription;
  name: string;
  flashSize: number;
  jedecId: number;
  mac: Uint8Array;
  autoReset: boolean;
  modemLines: boolean;
  bootMode: 'download' | 'run';
  timing: LinkTiming | null;
  faults: FaultOptions | undefined;
  runtime: ConsoleRuntimeFactory | undefined;
  initialFlash: Uint8Array | null;
  flashFile: string | undefined;
  /** How long erases and programs keep the chip busy (default 'real'). */
  flashTiming?: FlashTiming;
}

/** Extra, non-public connect options (the pty bridge). */
export interface ConnectOptions {
  /** The host side has no baud of its own: it always matches the board's UART (a pty). */
  followBoardBaud?: boolean;
  /** Override the board's modemLines for this connection (a pty never has them). */
  modemLines?: boolean;
  /**
   * With followBoardBaud: the rate the host believes it speaks before any CHANGE_BAUDRATE (esptool's
   * 115200). The ROM's auto-baud locks onto it at a SYNC, so the divider register, which hosts read
   * back to estimate the crystal, shows what it would on hardware. Default 115200.
   */
  assumedHostBaud?: number;
}

/** The ROM's auto-baud needs a few 0x55 characters (alternating bits) of a SYNC to measure the rate. */
const AUTOBAUD_RUN = 4;

/**
 * The virtual board: flash, the chip's ROM loader or stub or app, the reset circuit, and the two
 * directions of the serial link. See index.ts for the public face.
 */
export class VirtualBoardImpl implements LoaderHost, HostLinkOwner {
  readonly chip: ChipFamily;
  readonly name: string;
  readonly flashSize: number;
  readonly flash: NorFlash;
  readonly registers: RegisterMap;
  spiAttached = false;

  private readonly desc: ChipDescription;
  get chipInfo(): ChipDescription {
    return this.desc;
  }
  private readonly spiChip: SpiFlashChip;
  private readonly circuit: ResetCircuit;
  private readonly faults: FaultInjector;
  private readonly toBoard: Wire;
  private readonly toHost: Wire;
  private readonly frames: FrameReader;
  private readonly fileWriter: FlashFileWriter | null;

  private mode: BoardState = 'off';
  private powered = false;
  private inReset = false;
  private closed = false;
  private uartBaud: number;
  private strapValue: number;
  private link: HostLink | null = null;
  private loader: Loader | null = null;
  private runtime: ConsoleRuntime | null = null;
  /** Bumped at every reset: work started before it (async runtime start, pending frames) is void. */
  private generation = 0;
  private queue: Uint8Array[] = [];
  private busy: object | null = null;
  private repeatTimer: NodeJS.Timeout | null = null;
  private stalledUntil = 0;
  private stallTimer: NodeJS.Timeout | null = null;
  private stallBuffer: Array<{ bytes: Uint8Array; baud: number }> = [];
  private syncRun = 0;
  /**
   * Replies the loader made while handling the current frame, with the baud they leave at: they go
   * out once the flash work the frame caused is done (null: send at once).
   */
  private heldReplies: Array<{ bytes: Uint8Array; baud: number }> | null = null;
  /** Set while a pty bridge is connected: the link carries no baud, the ROM auto-bauds to this. */
  private followBaudAssumed: number | null = null;

  /** Bytes each way; rxOverruns: command frames a loader lost because it had no free receive buffer. */
  readonly stats = { hostToBoard: 0, boardToHost: 0, rxOverruns: 0 };

  constructor(private readonly config: BoardConfig) {
    this.desc = config.chip;
    this.chip = config.chip.family;
    this.name = config.name;
    this.flashSize = config.flashSize;
    const clock = new FlashClock(flashTimesFor(config.jedecId), flashTimingScale(config.flashTiming), config.flashSize);
    this.flash = new NorFlash(config.flashSize, config.initialFlash ?? undefined, clock);
    this.spiChip = new SpiFlashChip(this.flash, config.jedecId);
    const spi = new SpiController(config.chip.spi, this.spiChip, () => this.spiAttached);
    this.uartBaud = config.chip.romBaud;
    this.strapValue = config.chip.gpioStrap.spiBoot;
    this.registers = new RegisterMap(config.chip, config.mac, spi, () => this.uartBaud, () => this.strapValue);
    this.faults = new FaultInjector(config.faults);
    this.circuit = new ResetCircuit(config.autoReset, config.bootMode === 'download', {
      holdInReset: () => this.holdInReset(),
      release: (io0Low) => this.boot('external', io0Low),
    });
    this.toBoard = new Wire(config.timing, (bytes, baud) => this.receiveFromHost(bytes, baud));
    this.toHost = new Wire(config.timing, (bytes, baud) => this.link?.receive(bytes, baud));
    this.frames = new FrameReader(ROM_MAX_FRAME + 64, (frame) => this.enqueueFrame(frame));
    this.fileWriter = config.flashFile ? new FlashFileWriter(config.flashFile, this.flash) : null;
  }

  get state(): BoardState {
    return this.mode;
  }

  /** close() was called: the board is gone for good. */
  get isClosed(): boolean {
    return this.closed;
  }

  get baud(): number {
    return this.uartBaud;
  }

  // --- public operations -----------------------------------------------------------------------

  connect(path?: string, options: ConnectOptions = {}): HostLink {
    if (this.closed) throw new Error(`The virtual board "${this.name}" was removed. Create a new one to connect again.`);
    const portPath = path ?? `virtual:${this.chip}`;
    if (this.link?.isOpen) {
      throw new Error(`${portPath} is already open (the virtual board "${this.name}" allows one connection). Close the other connection first.`);
    }
    this.link = new HostLink(portPath, this, {
      modemLines: options.modemLines ?? this.config.modemLines,
      followBaud: options.followBoardBaud ? () => this.uartBaud : undefined,
    });
    this.followBaudAssumed = options.followBoardBaud ? (options.assumedHostBaud ?? 115200) : null;
    if (!this.powered) this.powerOn();
    return this.link;
  }

  pressReset(options: { holdBoot?: boolean } = {}): void {
    if (!this.powered || this.closed) return;
    this.circuit.pressReset(options.holdBoot === true);
  }

  setFaults(faults: FaultOptions | undefined): void {
    this.faults.set(faults);
  }

  readFlash(offset: number, length: number): Uint8Array {
    return this.flash.read(offset, length);
  }

  sectorEraseCount(sectorIndex: number): number {
    return this.flash.eraseCount(sectorIndex);
  }

  writeFlashRaw(offset: number, data: Uint8Array): void {
    this.flash.writeRaw(offset, data);
  }

  async saveFlash(): Promise<void> {
    await this.fileWriter?.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopEverything();
    this.mode = 'off';
    this.powered = false;
    this.circuit.dispose();
    this.link?.closeFromDevice('the virtual board was removed');
    this.link = null;
    this.toBoard.close();
    this.toHost.close();
    await this.fileWriter?.close();
  }

  // --- LoaderHost ------------------------------------------------------------------------------

  sendFrame(payload: Uint8Array): void {
    const bytes = slipEncode(payload);
    if (this.heldReplies) this.heldReplies.push({ bytes, baud: this.uartBaud });
    else this.transmit(bytes);
  }

  setBaud(baud: number): void {
    this.uartBaud = baud;
  }

  runUploadedCode(entry: number, uploaded: ReadonlyArray<readonly [number, number]>): void {
    const inUpload = uploaded.some(([start, end]) => entry >= start && entry < end);
    const inRam = this.desc.ramRegions.some(([start, end]) => entry >= start && entry < end);
    if (inUpload && inRam) {
      // Whatever was uploaded and started is taken to be the flasher stub.
      this.loader?.dispose();
      this.mode = 'download-stub';
      this.loader = new StubLoader(this);
      return;
    }
    // Jumping into memory that holds no code: the CPU faults and the chip restarts.
    this.transmitText(this.desc.bootLog.crash(entry));
    this.boot('software', this.circuit.io0Low);
  }

  leaveLoader(action: 'reboot' | 'run-app'): void {
    if (action === 'reboot') {
      this.boot('software', this.circuit.io0Low);
      return;
    }
    this.generation += 1;
    this.stopEverything();
    this.runFromFlash(null);
  }

  // --- HostLinkOwner ---------------------------------------------------------------------------

  hostWrite(link: HostLink, bytes: Uint8Array): void {
    if (link !== this.link) return;
    const baud = link.baudRate;
    const f = this.faults.apply(bytes, baud);
    const data = f.bytes;
    this.stats.hostToBoard += f.unplugAfter ?? data.length;
    if (f.unplugAfter !== null) {
      this.toBoard.send(data.subarray(0, f.unplugAfter), baud, () => this.unplug());
      return;
    }
    if (f.stallAfter !== null) {
      const { index, ms } = f.stallAfter;
      this.toBoard.send(data.subarray(0, index), baud, () => this.stall(ms));
      this.toBoard.send(data.subarray(index), baud);
      return;
    }
    this.toBoard.send(data, baud);
  }

  hostSignals(link: HostLink, signals: ModemSignals): void {
    if (link !== this.link) return;
    this.circuit.setLines(signals);
  }

  hostClosed(link: HostLink): void {
    if (link !== this.link) return;
    this.link = null;
    this.followBaudAssumed = null;
    // Closing the port releases DTR and RTS; a chip held in reset by RTS starts again.
    this.circuit.releaseLines();
  }

  // --- power and reset -------------------------------------------------------------------------

  private powerOn(): void {
    this.powered = true;
    this.boot('power-on', this.circuit.io0Low);
  }

  private unplug(): void {
    const link = this.link;
    this.link = null;
    this.followBaudAssumed = null;
    link?.closeFromDevice('the USB cable was unplugged');
    this.powered = false;
    this.generation += 1;
    this.stopEverything();
    this.mode = 'off';
    this.toBoard.clear();
    this.toHost.clear();
    this.circuit.releaseLines();
    void this.fileWriter?.flush().catch(() => undefined);
  }

  private holdInReset(): void {
    if (!this.powered) return;
    this.generation += 1;
    this.stopEverything();
    this.inReset = true;
    this.mode = 'off';
  }

  /** The chip leaves reset: the ROM samples IO0 and either waits for a host or boots from flash. */
  private boot(cause: ResetCause, io0Low: boolean): void {
    if (!this.powered || this.closed) return;
    this.generation += 1;
    this.stopEverything();
    this.inReset = false;
    this.uartBaud = this.desc.romBaud;
    this.registers.reset();
    this.spiChip.resetLatches();
    this.spiAttached = false;
    this.syncRun = 0;
    const download = io0Low && !this.faults.refuseDownloadMode;
    this.strapValue = download ? this.desc.gpioStrap.download : this.desc.gpioStrap.spiBoot;
    if (download) {
      this.mode = 'download-rom';
      this.loader = new RomLoader(this);
      this.transmitText(this.desc.bootLog.download(cause, this.strapValue));
      return;
    }
    this.runFromFlash(cause);
  }

  /** Boots what the flash holds; cause null: entered from the loader, which prints no boot log. */
  private runFromFlash(cause: ResetCause | null): void {
    const probe = probeBootImage(this.flash, this.desc);
    if (!probe.valid) {
      this.mode = 'boot-failed';
      this.transmitText(this.desc.bootLog.failed(cause ?? 'software', this.strapValue, probe.firstWord));
      const repeat = this.desc.bootLog.failedRepeat;
      if (repeat) {
        this.repeatTimer = setInterval(() => this.transmitText(repeat.text(probe.firstWord, this.strapValue)), repeat.intervalMs);
        this.repeatTimer.unref?.();
      }
      return;
    }
    this.mode = 'running-app';
    if (cause !== null) this.transmitText(this.desc.bootLog.run(cause, this.strapValue, probe.image));
    this.uartBaud = this.desc.appBaud;
    this.startRuntime();
  }

  private startRuntime(): void {
    const factory = this.config.runtime;
    if (!factory) return;
    const fs = microPythonFilesystemRegion(this.chip, this.flashSize);
    const build = findMicroPythonBuild(this.flash, fs.offset);
    if (!build) return; // some other firmware: it runs, silently
    const generation = this.generation;
    factory({
      boardName: this.name,
      chip: this.chip,
      firmwareVersion: build.version,
      output: (bytes) => {
        if (generation === this.generation && this.mode === 'running-app') this.transmit(bytes.slice());
      },
      storage: flashRegionStorage(this.flash, fs.offset, fs.size),
    }).then(
      (runtime) => {
        if (generation !== this.generation) void runtime.stop().catch(() => undefined);
        else this.runtime = runtime;
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        const reason = error instanceof Error ? error.message : String(error);
        this.transmitText(`\r\n[Kiln virtual board: the MicroPython runtime could not start (${reason}). Press RESET to try again.]\r\n`);
      },
    );
  }

  private stopEverything(): void {
    // Replies made before the reset (FLASH_END's before its reboot) were on the wire already.
    this.releaseHeldReplies();
    this.loader?.dispose();
    this.loader = null;
    this.queue = [];
    this.busy = null;
    this.frames.reset();
    if (this.runtime) {
      const runtime = this.runtime;
      this.runtime = null;
      void runtime.stop().catch(() => undefined);
    }
    if (this.repeatTimer) clearInterval(this.repeatTimer);
    this.repeatTimer = null;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
    this.stalledUntil = 0;
    this.stallBuffer = [];
  }

  // --- UART ------------------------------------------------------------------------------------

  private transmit(bytes: Uint8Array, baud = this.uartBaud): void {
    if (!this.powered || this.inReset || bytes.length === 0) return;
    this.stats.boardToHost += bytes.length;
    this.toHost.send(bytes, baud);
  }

  private releaseHeldReplies(): void {
    const held = this.heldReplies;
    this.heldReplies = null;
    if (held) for (const reply of held) this.transmit(reply.bytes, reply.baud);
  }

  private transmitText(text: string): void {
    this.transmit(Buffer.from(text, 'latin1'));
  }

  private stall(ms: number): void {
    if (!this.powered) return;
    this.stalledUntil = performance.now() + ms;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null;
      this.stalledUntil = 0;
      const held = this.stallBuffer;
      this.stallBuffer = [];
      for (const h of held) this.receiveFromHost(h.bytes, h.baud);
    }, ms);
  }

  private receiveFromHost(bytes: Uint8Array, senderBaud: number): void {
    if (!this.powered || this.inReset || this.closed) return;
    if (this.stalledUntil > 0) {
      this.stallBuffer.push({ bytes, baud: senderBaud });
      return;
    }
    let data = bytes;
    if (this.followBaudAssumed !== null) {
      // No baud on the wire (a pty): nothing garbles, but the auto-baud still moves the ROM to the
      // host's nominal rate.
      if (this.mode === 'download-rom' && this.uartBaud !== this.followBaudAssumed && this.autoBaudLocks(bytes)) {
        this.uartBaud = this.followBaudAssumed;
      }
    } else if (senderBaud !== this.uartBaud) {
      if (this.mode === 'download-rom' && this.autoBaudLocks(bytes)) {
        // The ROM measured the host's rate on the SYNC's 0x55 run; what came before it was noise.
        this.uartBaud = senderBaud;
        this.frames.reset();
        return;
      }
      data = resampleUart(bytes, senderBaud, this.uartBaud);
    } else {
      this.syncRun = 0;
    }
    switch (this.mode) {
      case 'download-rom':
      case 'download-stub':
        this.frames.push(data);
        break;
      case 'running-app':
        this.runtime?.input(data);
        break;
      default:
        break;
    }
  }

  private autoBaudLocks(bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i++) {
      this.syncRun = bytes[i] === 0x55 ? this.syncRun + 1 : 0;
      if (this.syncRun >= AUTOBAUD_RUN) {
        this.syncRun = 0;
        return true;
      }
    }
    return false;
  }

  private enqueueFrame(frame: Uint8Array): void {
    const buffers = this.loader?.receiveBuffers;
    // A host sending more commands than the loader has buffers for (say, three data blocks before
    // the first answer): the frame waiting for its turn is lost, replaced by the one that just came.
    // Only command frames count: the read-flash acknowledgements are read by the stub as they come.
    if (buffers !== undefined && this.busy && frame[0] === 0x00 && this.queue.length >= buffers - 1) {
      const waiting = this.queue.findIndex((queued) => queued[0] === 0x00);
      if (waiting >= 0) {
        this.queue.splice(waiting, 1);
        this.stats.rxOverruns += 1;
      }
    }
    this.queue.push(frame);
    if (!this.busy) this.drain();
  }

  /**
   * Frames are handled in order; a loader returning a promise holds the queue until it settles.
   * Then the flash work the frame caused (flash-timing.ts) keeps the loader busy: the next frame
   * waits, and so do the frame's replies unless the loader answers before writing (the stub's
   * data blocks), as the chip cannot answer while it erases or programs.
   */
  private drain(): void {
    while (this.queue.length > 0 && !this.busy) {
      const loader = this.loader;
      const frame = this.queue.shift() as Uint8Array;
      if (!loader) continue;
      this.flash.clock.beginFrame(); // work done outside the loader (the app's filesystem) is not this frame's
      const answersFirst = frame.length > 1 && loader.answersBeforeFlashWork?.(frame[1] as number) === true;
      this.heldReplies = answersFirst ? null : [];
      const token = {};
      let result: void | Promise<void>;
      try {
        result = loader.handleFrame(frame);
      } catch (error) {
        this.releaseHeldReplies();
        throw error;
      }
      if (result instanceof Promise) {
        this.busy = token;
        result
          .catch((error: unknown) => {
            queueMicrotask(() => {
              throw error;
            });
          })
          .finally(() => {
            if (this.busy !== token) return; // a reset abandoned this work
            this.finishFrame(token);
          });
        return;
      }
      const workMs = this.flash.clock.take();
      if (workMs <= 0) {
        this.releaseHeldReplies();
        continue;
      }
      this.busy = token;
      this.waitForFlash(token, workMs);
    }
  }

  private finishFrame(token: object): void {
    const workMs = this.flash.clock.take();
    if (workMs > 0) {
      this.waitForFlash(token, workMs);
      return;
    }
    this.busy = null;
    this.releaseHeldReplies();
    this.drain();
  }

  private waitForFlash(token: object, ms: number): void {
    const timer = setTimeout(() => {
      if (this.busy !== token) return;
      this.busy = null;
      this.releaseHeldReplies();
      this.drain();
    }, ms);
    timer.unref?.();
  }
}
