/**
 * A tiny host side for the conformance tests, written from Espressif's serial-protocol
 * documentation (not from the engine in electron/esp): build command packets, SLIP-frame them,
 * collect and parse response packets.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SlipDecoder, slipEncode } from '../../../../../electron/esp/slip';
import type { Link } from '../../../../../electron/serial/link';

export const OP = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  READ_FLASH_SLOW: 0x0e,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3,
} as const;

export function u32(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(i * 4, v >>> 0, true));
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** XOR of the data bytes, seeded with 0xEF (documented checksum for the *_DATA commands). */
export function checksum(data: Uint8Array): number {
  let c = 0xef;
  for (const b of data) c ^= b;
  return c;
}

/** Direction 0, opcode, 16-bit size, 32-bit checksum, data. */
export function commandPacket(op: number, data: Uint8Array = new Uint8Array(0), chk = 0): Uint8Array {
  const p = new Uint8Array(8 + data.length);
  const view = new DataView(p.buffer);
  p[0] = 0x00;
  p[1] = op;
  view.setUint16(2, data.length, true);
  view.setUint32(4, chk >>> 0, true);
  p.set(data, 8);
  return p;
}

/** A *_DATA payload: length, sequence, 0, 0, then the data; checksum over the data only. */
export function dataPayload(data: Uint8Array, seq: number): { payload: Uint8Array; chk: number } {
  return { payload: concat(u32(data.length, seq, 0, 0), data), chk: checksum(data) };
}

export const SYNC_DATA = concat(Uint8Array.from([0x07, 0x07, 0x12, 0x20]), new Uint8Array(32).fill(0x55));

export interface Response {
  op: number;
  size: number;
  value: number;
  /** Everything after the 8-byte header (body and status bytes). */
  data: Uint8Array;
}

export function parseResponse(packet: Uint8Array): Response | null {
  if (packet.length < 8 || packet[0] !== 0x01) return null;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  return { op: packet[1] as number, size: view.getUint16(2, true), value: view.getUint32(4, true), data: packet.subarray(8) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends packets and collects SLIP packets (and stray bytes) from a Link. */
export class Host {
  private readonly decoder = new SlipDecoder();
  private readonly packets: Uint8Array[] = [];
  stray: number[] = [];

  constructor(readonly link: Link) {}

  async send(op: number, data?: Uint8Array, chk = 0): Promise<void> {
    await this.link.write(slipEncode(commandPacket(op, data, chk)));
  }

  /** A raw SLIP frame without a command header (READ_FLASH acknowledgements). */
  async sendFrame(payload: Uint8Array): Promise<void> {
    await this.link.write(slipEncode(payload));
  }

  private absorb(bytes: Uint8Array): void {
    const chunk = this.decoder.push(bytes);
    this.packets.push(...chunk.packets);
    this.stray.push(...chunk.stray);
  }

  /** Next SLIP packet, or null after timeoutMs. */
  async packet(timeoutMs = 1000): Promise<Uint8Array | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.packets.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      this.absorb(await this.link.read(left));
    }
    return this.packets.shift() ?? null;
  }

  /** Next response packet whose opcode is `op` (any, when omitted). */
  async response(op?: number, timeoutMs = 1000): Promise<Response> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = await this.packet(Math.max(1, deadline - Date.now()));
      if (!p) throw new Error(`no response${op === undefined ? '' : ` to 0x${op.toString(16)}`} within ${timeoutMs} ms`);
      const r = parseResponse(p);
      if (r && (op === undefined || r.op === op)) return r;
    }
  }

  async command(op: number, data?: Uint8Array, chk = 0, timeoutMs = 1000): Promise<Response> {
    await this.send(op, data, chk);
    return this.response(op, timeoutMs);
  }

  /** Collects everything that arrives for `ms` (packets stay queued for packet()/response()). */
  async settle(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      this.absorb(await this.link.read(left));
    }
  }

  async drainPackets(ms: number): Promise<Uint8Array[]> {
    await this.settle(ms);
    return this.packets.splice(0);
  }

  clear(): void {
    this.packets.length = 0;
    this.stray = [];
    this.link.discardInput();
  }

  async sync(tries = 5): Promise<Response[]> {
    for (let i = 0; i < tries; i++) {
      this.clear();
      await this.send(OP.SYNC, SYNC_DATA);
      const replies = (await this.drainPackets(80)).map(parseResponse).filter((r): r is Response => r?.op === OP.SYNC);
      if (replies.length > 0) return replies;
      await sleep(10);
    }
    throw new Error('no SYNC reply');
  }

  async readReg(address: number): Promise<number> {
    const r = await this.command(OP.READ_REG, u32(address));
    return r.value;
  }

  async writeReg(address: number, value: number, mask = 0xffffffff): Promise<Response> {
    return this.command(OP.WRITE_REG, u32(address, value, mask, 0));
  }

  /** Uploads esptool-js's flasher stub for the chip (MEM_BEGIN/DATA/END) and returns the MEM_END reply. */
  async uploadStub(chip: string): Promise<Response> {
    const stub = loadStub(chip);
    for (const [start, bytes] of [
      [stub.textStart, stub.text],
      [stub.dataStart, stub.data],
    ] as const) {
      const block = 0x1800;
      const blocks = Math.ceil(bytes.length / block);
      const begin = await this.command(OP.MEM_BEGIN, u32(bytes.length, blocks, block, start));
      if (begin.data[0] !== 0) throw new Error('MEM_BEGIN failed');
      for (let seq = 0; seq < blocks; seq++) {
        const { payload, chk } = dataPayload(bytes.subarray(seq * block, (seq + 1) * block), seq);
        const r = await this.command(OP.MEM_DATA, payload, chk);
        if (r.data[0] !== 0) throw new Error('MEM_DATA failed');
      }
    }
    return this.command(OP.MEM_END, u32(0, stub.entry));
  }
}

export interface StubImage {
  entry: number;
  textStart: number;
  text: Uint8Array;
  dataStart: number;
  data: Uint8Array;
}

const STUB_FILES: Record<string, string> = {
  esp8266: 'stub_flasher_8266.json',
  esp32: 'stub_flasher_32.json',
  esp32c3: 'stub_flasher_32c3.json',
  esp32s2: 'stub_flasher_32s2.json',
  esp32s3: 'stub_flasher_32s3.json',
};

/** The flasher stub as data, read at run time from the pinned esptool-js package. */
export function loadStub(chip: string): StubImage {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('esptool-js/package.json'));
  const file = STUB_FILES[chip];
  if (!file) throw new Error(`no stub for ${chip}`);
  const json = JSON.parse(readFileSync(join(root, 'lib', 'targets', 'stub_flasher', file), 'utf8')) as {
    entry: number;
    text: string;
    text_start: number;
    data: string;
    data_start: number;
  };
  return {
    entry: json.entry,
    textStart: json.text_start,
    text: new Uint8Array(Buffer.from(json.text, 'base64')),
    dataStart: json.data_start,
    data: new Uint8Array(Buffer.from(json.data, 'base64')),
  };
}

/** ROM status: first status byte (0 ok, 1 failed) and the error code, found after `bodyLength` bytes. */
export function romStatus(r: Response, bodyLength = 0): [number, number] {
  return [r.data[bodyLength] ?? -1, r.data[bodyLength + 1] ?? -1];
}

export { sleep };
