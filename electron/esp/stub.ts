/**
 * Espressif's flasher stub: a small program uploaded to the chip's RAM that speaks the same
 * protocol faster and with more commands (compressed writes everywhere, MD5, erase, read flash,
 * bigger blocks). Its binaries are data from the pinned esptool-js package (Apache-2.0), read at
 * run time and never copied into Kiln.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChipDefinition } from './chips';
import { Op, decodeResponse, encodeRequest, packWords, responseStatus } from './command';
import { CommandFailedError, EspError } from './errors';
import type { EspLoader } from './loader';
import { MEM_END_ROM_TIMEOUT_MS, STUB_HELLO_TIMEOUT_MS } from './timeouts';

export interface StubImage {
  entry: number;
  text: Uint8Array;
  textStart: number;
  data: Uint8Array;
  dataStart: number;
}

/** Where the stub comes from; tests inject their own. */
export type StubSource = (chip: ChipDefinition) => Promise<StubImage>;

/** The stub's greeting, sent as a SLIP packet once it runs. */
const HELLO = 'OHAI';

/** esptool-js's stub folder, resolved through the package so it works from sources and from a bundle. */
export function stubDirectory(): string {
  const base = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  const requireFromHere = createRequire(base);
  const packageJson = requireFromHere.resolve('esptool-js/package.json');
  return path.join(path.dirname(packageJson), 'lib', 'targets', 'stub_flasher');
}

interface StubJson {
  entry: number;
  text: string;
  text_start: number;
  data: string;
  data_start: number;
}

export const loadPackagedStub: StubSource = async (chip) => {
  const file = path.join(stubDirectory(), chip.stubFile);
  let json: StubJson;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as StubJson;
  } catch (error) {
    throw new EspError('stub-missing', `Kiln's flasher stub for the ${chip.name} is missing (${file}). Reinstall Kiln.`, { cause: error });
  }
  return {
    entry: json.entry,
    text: Buffer.from(json.text, 'base64'),
    textStart: json.text_start,
    data: Buffer.from(json.data ?? '', 'base64'),
    dataStart: json.data_start,
  };
};

/**
 * Uploads the stub with MEM_BEGIN/MEM_DATA, starts it with MEM_END and waits for "OHAI".
 * Returns false when the stub never greets (the caller falls back to the ROM).
 */
export async function startStub(loader: EspLoader, chip: ChipDefinition, stub: StubImage, onBlock?: (done: number, total: number) => void): Promise<boolean> {
  const ramBlock = chip.blockSizes.ram;
  const total = stub.text.length + stub.data.length;
  let done = 0;
  for (const [bytes, start] of [
    [stub.text, stub.textStart],
    [stub.data, stub.dataStart],
  ] as const) {
    if (bytes.length === 0) continue;
    const blocks = Math.ceil(bytes.length / ramBlock);
    await loader.memBegin(bytes.length, blocks, ramBlock, start);
    for (let seq = 0; seq < blocks; seq++) {
      const block = bytes.subarray(seq * ramBlock, (seq + 1) * ramBlock);
      await loader.memData(block, seq);
      done += block.length;
      onBlock?.(done, total);
    }
  }

  // MEM_END: the ROM may answer, or jump before its answer leaves; either way "OHAI" follows.
  // Read packets here rather than through the loader so the greeting is not skipped as noise.
  const channel = loader.channel;
  await channel.writePacket(encodeRequest(Op.MEM_END, packWords(0, stub.entry)));
  const deadline = Date.now() + MEM_END_ROM_TIMEOUT_MS + STUB_HELLO_TIMEOUT_MS;
  for (;;) {
    const packet = await channel.readPacket(Math.max(0, deadline - Date.now()));
    if (!packet) return false;
    if (packet.length === HELLO.length && Buffer.from(packet).toString('latin1') === HELLO) return true;
    const response = decodeResponse(packet);
    if (response?.op === Op.MEM_END) {
      const status = responseStatus(response.body, 0);
      if (status.status !== 0) throw new CommandFailedError(Op.MEM_END, 'start the flasher stub', status.error);
    }
  }
}
