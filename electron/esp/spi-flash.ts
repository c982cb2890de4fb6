/**
 * Raw SPI flash commands issued through the chip's SPI controller registers (READ_REG/WRITE_REG),
 * the "user command" mechanism esptool's run_spiflash_command uses. It works the same through the
 * ROM and the stub, which is why Kiln reads the JEDEC id this way.
 */
import type { SpiRegisters } from './chips/types';
import { EspError } from './errors';
import type { EspLoader } from './loader';

// SPI_USR register bits: which phases the user command has.
const USR_COMMAND = 1 << 31;
const USR_MISO = 1 << 28;
const USR_MOSI = 1 << 27;
/** SPI_CMD register: start the user command; the hardware clears it when done. */
const CMD_USR = 1 << 18;
const USR2_COMMAND_LEN_SHIFT = 28;
// ESP8266 only: MOSI/MISO bit lengths live in USR1.
const ESP8266_MOSI_BITLEN_SHIFT = 17;
const ESP8266_MISO_BITLEN_SHIFT = 8;

export const SPIFLASH_RDID = 0x9f;

/**
 * Sends `command` (8 bits) followed by up to 4 bytes of `data`, then clocks in `readBits` (≤ 32)
 * bits and returns them as W0 holds them. Restores USR/USR2 afterwards, as the ROM expects.
 */
export async function runSpiFlashCommand(loader: EspLoader, spi: SpiRegisters, command: number, readBits: number, data: Uint8Array = new Uint8Array(0)): Promise<number> {
  if (readBits > 32) throw new RangeError('at most 32 bits can be read back from a SPI flash command');
  if (data.length > 4) throw new RangeError('at most 4 data bytes are supported here');
  const reg = {
    cmd: spi.base,
    usr: spi.base + spi.usrOffset,
    usr1: spi.base + spi.usr1Offset,
    usr2: spi.base + spi.usr2Offset,
    w0: spi.base + spi.w0Offset,
  };
  const dataBits = data.length * 8;
  const savedUsr = await loader.readReg(reg.usr);
  const savedUsr2 = await loader.readReg(reg.usr2);

  if (spi.mosiDlenOffset !== null && spi.misoDlenOffset !== null) {
    if (dataBits > 0) await loader.writeReg(spi.base + spi.mosiDlenOffset, dataBits - 1);
    if (readBits > 0) await loader.writeReg(spi.base + spi.misoDlenOffset, readBits - 1);
  } else {
    const mosi = dataBits === 0 ? 0 : dataBits - 1;
    const miso = readBits === 0 ? 0 : readBits - 1;
    await loader.writeReg(reg.usr1, ((miso << ESP8266_MISO_BITLEN_SHIFT) | (mosi << ESP8266_MOSI_BITLEN_SHIFT)) >>> 0);
  }

  let flags = USR_COMMAND;
  if (readBits > 0) flags |= USR_MISO;
  if (dataBits > 0) flags |= USR_MOSI;
  await loader.writeReg(reg.usr, flags >>> 0);
  await loader.writeReg(reg.usr2, ((7 << USR2_COMMAND_LEN_SHIFT) | command) >>> 0);
  if (dataBits === 0) {
    await loader.writeReg(reg.w0, 0); // so a short read does not return stale bits
  } else {
    const word = new Uint8Array(4);
    word.set(data);
    await loader.writeReg(reg.w0, new DataView(word.buffer).getUint32(0, true));
  }
  await loader.writeReg(reg.cmd, CMD_USR);

  let done = false;
  for (let i = 0; i < 10 && !done; i++) done = ((await loader.readReg(reg.cmd)) & CMD_USR) === 0;
  if (!done) throw new EspError('spi-timeout', 'The SPI flash did not finish a command. The flash chip may be missing or wired wrongly.');

  const result = await loader.readReg(reg.w0);
  await loader.writeReg(reg.usr, savedUsr);
  await loader.writeReg(reg.usr2, savedUsr2);
  return result >>> 0;
}

/** JEDEC RDID: manufacturer in bits 0–7, memory type in 8–15, capacity in 16–23. */
export async function readJedecId(loader: EspLoader, spi: SpiRegisters): Promise<number> {
  return (await runSpiFlashCommand(loader, spi, SPIFLASH_RDID, 24)) & 0xffffff;
}
