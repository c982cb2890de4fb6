import { describe, expect, it } from 'vitest';
import { Op } from '../../../../electron/esp/command';
import { connectFailureMessage, connectLoader, readBootLog } from '../../../../electron/esp/connect';
import { ConnectError } from '../../../../electron/esp/errors';
import { EspLoader } from '../../../../electron/esp/loader';
import { SlipChannel } from '../../../../electron/esp/slip-channel';
import { FakeLink, response } from './fake-link';

const latin1 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));

describe('boot log reading', () => {
  it('recognises an ESP32 that booted from flash', () => {
    const log = latin1('ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n');
    expect(readBootLog(log)).toEqual({ reason: 'wrong-boot-mode', bootMode: '0x13 (SPI_FAST_FLASH_BOOT)' });
  });

  it('recognises download mode that never answers', () => {
    const log = latin1('rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n');
    expect(readBootLog(log).reason).toBe('no-sync-reply');
  });

  it('reads the ESP8266 boot mode', () => {
    expect(readBootLog(latin1(' ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n'))).toEqual({ reason: 'wrong-boot-mode', bootMode: '(3,6)' });
    expect(readBootLog(latin1('rst cause:2, boot mode:(1,7)')).reason).toBe('no-sync-reply');
  });

  it('tells garbage from silence', () => {
    expect(readBootLog(Uint8Array.from([0x8f, 0x13, 0xfe]))).toEqual({ reason: 'garbage' });
    expect(readBootLog(new Uint8Array(0))).toEqual({ reason: 'no-data' });
  });

  it('always says what to do next', () => {
    const message = connectFailureMessage({ reason: 'no-data' }, true);
    expect(message).toMatch(/hold BOOT\/FLASH \(GPIO0 low\)/);
    expect(message).toMatch(/tap RESET\/EN/);
    expect(message).toMatch(/GPIO15 must be tied low and GPIO2 high/);
    expect(message).toMatch(/lower baud/);
    expect(message).toMatch(/CP210x or CH340/);
  });
});

describe('connect', () => {
  it('drives the tight reset sequence, then syncs', async () => {
    const link = new FakeLink((p) => (p[1] === Op.SYNC ? [response(Op.SYNC, 0x20120707)] : undefined));
    const result = await connectLoader(new EspLoader(new SlipChannel(link)), { attempts: 1 });
    expect(result).toEqual({ stubDetected: false, modemLines: true });
    expect(link.signals).toEqual([
      { dtr: false, rts: false },
      { dtr: true, rts: true },
      { dtr: false, rts: true },
      { dtr: true, rts: false },
      { dtr: false, rts: false },
    ]);
  });

  it('warns once and goes on when the port has no modem lines', async () => {
    let syncs = 0;
    const link = new FakeLink((p) => {
      if (p[1] !== Op.SYNC) return undefined;
      syncs += 1;
      return syncs > 6 ? [response(Op.SYNC, 1)] : undefined;
    });
    link.modemLines = false;
    const warnings: string[] = [];
    const result = await connectLoader(new EspLoader(new SlipChannel(link)), { attempts: 3, onWarning: (w) => warnings.push(w) });
    expect(result.modemLines).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/no auto-reset/);
  });

  it('explains a board that keeps booting its app', async () => {
    const link = new FakeLink(() => undefined);
    const original = link.setSignals.bind(link);
    link.setSignals = async (signals) => {
      await original(signals);
      if (signals.rts === false && signals.dtr === true) link.inject({ raw: latin1('rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n') });
    };
    const error = await connectLoader(new EspLoader(new SlipChannel(link)), { attempts: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).reason).toBe('wrong-boot-mode');
    expect((error as ConnectError).message).toMatch(/boot mode 0x13 \(SPI_FAST_FLASH_BOOT\)/);
    expect((error as ConnectError).message).toMatch(/hold BOOT/);
  });

  it('says "no data at all" when the line stays silent', async () => {
    const link = new FakeLink(() => undefined);
    const error = await connectLoader(new EspLoader(new SlipChannel(link)), { attempts: 1, before: 'no-reset' }).catch((e: unknown) => e);
    expect((error as ConnectError).reason).toBe('no-data');
    expect(link.signals).toEqual([]);
  });
});
