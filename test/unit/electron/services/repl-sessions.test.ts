/** The REPL service's terminal plumbing, against a scripted link: batching, binary safety, wrong-baud bursts, keys while busy. */
import { describe, expect, it } from 'vitest';
import { JobManager } from '../../../../electron/services/job-manager';
import { ReplSessions } from '../../../../electron/services/repl-sessions';
import { resampleUart } from '../../../../electron/virtual-board/wire/uart-resample';
import type { ReplOutput } from '../../../../shared/types/repl';
import { FakeLink } from '../esp/fake-link';

async function rig(outputIntervalMs = 40) {
  const link = new FakeLink();
  const outputs: ReplOutput[] = [];
  const repl = new ReplSessions({ jobs: new JobManager({ publish: () => undefined }), openLink: async () => link, publish: () => undefined, output: (out) => outputs.push(out), outputIntervalMs });
  const session = await repl.open({ port: '/dev/ttyUSB9' });
  const received = () => Buffer.concat(outputs.map((out) => Buffer.from(out.data, 'base64')));
  return { link, repl, session, outputs, received };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ReplSessions terminal', () => {
  it('batches a flood of small chunks into few events and keeps every byte, binary included', async () => {
    const { link, repl, outputs, received } = await rig();
    const all: number[] = [];
    for (let i = 0; i < 200; i++) {
      const chunk = Uint8Array.of(i & 0xff, 0x00, 0xff, 0x1b);
      all.push(...chunk);
      link.inject({ raw: chunk });
      if (i % 20 === 0) await settle(5);
    }
    await settle(150);
    expect([...received()]).toEqual(all);
    expect(outputs.length).toBeLessThan(20);
    await repl.closeAll();
  });

  it('replaces a burst sent at 74880 baud with a note, and passes ordinary text through', async () => {
    const { link, repl, received } = await rig();
    await settle(400);
    link.inject({ raw: resampleUart(Buffer.from(' ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n', 'latin1'), 74880, 115200) });
    await settle(100);
    link.inject({ raw: Buffer.from('MicroPython v1.24.1 on 2024-11-29; ESP module with ESP8266\r\n>>> ') });
    await settle(100);
    const text = received().toString('latin1');
    expect(text).toContain('boot ROM message at 74880 baud');
    expect(text).toContain('MicroPython v1.24.1');
    expect(text).not.toContain('\x00');
    expect(repl.list()[0]!.platform).toBe('esp8266');
    await repl.closeAll();
  });

  it('sends keys to the board as given', async () => {
    const { link, repl, session } = await rig();
    const written: number[] = [];
    const write = link.write.bind(link);
    link.write = async (bytes) => {
      written.push(...bytes);
      await write(bytes);
    };
    await repl.write(session.id, Uint8Array.of(0x03, 0x04, 0x31, 0x0d));
    expect(written).toEqual([0x03, 0x04, 0x31, 0x0d]);
    await repl.closeAll();
  });
});
