import { describe, expect, it } from 'vitest';
import { JobManager } from '../../../../electron/services/job-manager';
import { KilnError } from '../../../../shared/types/errors';
import type { JobSummary } from '../../../../shared/types/jobs';

function manager(interval = 50) {
  const published: JobSummary[] = [];
  let now = 0;
  const jobs = new JobManager({ publish: (s) => published.push(s), progressIntervalMs: interval, now: () => now, logError: () => undefined });
  return { jobs, published, advance: (ms: number) => (now += ms) };
}

describe('JobManager', () => {
  it('runs a job and publishes its start and its success', async () => {
    const { jobs, published } = manager();
    const started = jobs.start({ kind: 'erase', title: 'Erase', port: '/dev/ttyUSB0' }, async () => undefined);
    expect(started.status).toBe('running');
    expect(started.id).toMatch(/^job-[0-9a-f-]+$/);
    const done = await jobs.settled(started.id);
    expect(done.status).toBe('succeeded');
    expect(published.map((s) => s.status)).toEqual(['running', 'succeeded']);
  });

  it('refuses a second job on a busy port but allows other ports', async () => {
    const { jobs } = manager();
    let release!: () => void;
    const first = jobs.start({ kind: 'flash', title: 'Flash A', port: 'p1' }, () => new Promise<void>((r) => (release = r)));
    expect(() => jobs.start({ kind: 'erase', title: 'Erase A', port: 'p1' }, async () => undefined)).toThrow(/p1 is busy: "Flash A"/);
    const other = jobs.start({ kind: 'erase', title: 'Erase B', port: 'p2' }, async () => undefined);
    expect((await jobs.settled(other.id)).status).toBe('succeeded');
    release();
    expect((await jobs.settled(first.id)).status).toBe('succeeded');
  });

  it('throttles progress to one event per interval and always publishes the final state', async () => {
    const { jobs, published, advance } = manager(50);
    const job = jobs.start({ kind: 'flash', title: 'Flash', port: null }, async ({ progress }) => {
      for (let i = 0; i < 100; i++) {
        advance(1); // 100 updates over 100 ms of fake time
        progress({ stage: 'writing', done: i, total: 100, bytesPerSecond: 0 });
      }
    });
    await jobs.settled(job.id);
    const progressEvents = published.filter((s) => s.status === 'running' && s.progress !== null);
    expect(progressEvents.length).toBeGreaterThanOrEqual(1);
    expect(progressEvents.length).toBeLessThanOrEqual(3);
    expect(published.at(-1)?.status).toBe('succeeded');
  });

  it('cancels through the AbortSignal and reports cancelled, not failed', async () => {
    const { jobs } = manager();
    const job = jobs.start({ kind: 'flash', title: 'Flash', port: 'p' }, ({ signal }) => new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))));
    const cancelled = await jobs.cancel(job.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.error).toBeNull();
    // The port is free again.
    expect(jobs.start({ kind: 'erase', title: 'Erase', port: 'p' }, async () => undefined).status).toBe('running');
  });

  it('turns failures into readable errors', async () => {
    const { jobs } = manager();
    const known = jobs.start({ kind: 'flash', title: 'Flash', port: null }, async () => {
      throw new KilnError('device', 'The board stopped answering.', 'Check the cable.');
    });
    expect((await jobs.settled(known.id)).error).toEqual({ code: 'device', message: 'The board stopped answering.', hint: 'Check the cable.' });
    const unknown = jobs.start({ kind: 'flash', title: 'Flash it', port: null }, async () => {
      throw new RangeError('offset out of range');
    });
    expect((await jobs.settled(unknown.id)).error).toEqual({ code: 'internal', message: '"Flash it" failed: offset out of range' });
    await expect(jobs.cancel('job-nope')).rejects.toThrow(/no job job-nope/);
  });
});
