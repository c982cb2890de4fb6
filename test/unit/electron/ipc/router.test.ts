import { describe, expect, it, vi } from 'vitest';
import { createRouter, type Handlers } from '../../../../electron/ipc/router';
import { KilnError } from '../../../../shared/types/errors';
import { DEFAULT_SETTINGS } from '../../../../shared/types/settings';

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  return {
    'app.info': () => ({ name: 'Kiln', version: 'test', mode: 'headless', platform: 'linux', dataDir: '/tmp/k' }),
    'settings.get': () => DEFAULT_SETTINGS,
    'settings.update': (patch) => ({ ...DEFAULT_SETTINGS, ...patch }),
    'ports.list': () => ({ ports: [], warnings: [] }),
    'jobs.list': () => [],
    'jobs.cancel': () => {
      throw new KilnError('not-found', 'There is no job job-x.');
    },
    ...overrides,
  } as Handlers;
}
const context = { client: 'test' };

describe('router', () => {
  it('answers a valid request with the handler result', async () => {
    const router = createRouter(handlers());
    await expect(router.handle('settings.update', { demoBoard: true }, context)).resolves.toEqual({
      ok: true,
      result: { ...DEFAULT_SETTINGS, demoBoard: true },
    });
  });

  it('rejects an unknown request name without calling anything', async () => {
    const router = createRouter(handlers());
    const response = await router.handle('fs.readAnything', {}, context);
    expect(response).toEqual({ ok: false, error: { code: 'unknown-request', message: 'Kiln has no request named "fs.readAnything".' } });
    expect(await router.handle(42, {}, context)).toMatchObject({ ok: false, error: { code: 'unknown-request' } });
    // A name inherited from Object.prototype is not a request.
    expect(await router.handle('toString', {}, context)).toMatchObject({ ok: false, error: { code: 'unknown-request' } });
  });

  it('rejects malformed arguments before the handler sees them', async () => {
    const update = vi.fn();
    const router = createRouter(handlers({ 'settings.update': update }));
    const wrongType = await router.handle('settings.update', { demoBoard: 'yes' }, context);
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(wrongType.ok === false && wrongType.error.message).toMatch(/^Invalid arguments for settings.update: demoBoard /);
    const badBaud = await router.handle('settings.update', { flashBaud: 12345 }, context);
    expect(badBaud.ok === false && badBaud.error.message).toMatch(/flashBaud must be one of 115200/);
    const extraKey = await router.handle('settings.update', { demoBoard: true, path: '/etc/passwd' }, context);
    expect(extraKey).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const notAnObject = await router.handle('jobs.cancel', 'job-1', context);
    expect(notAnObject).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const badId = await router.handle('jobs.cancel', { jobId: '../../etc' }, context);
    expect(badId.ok === false && badId.error.message).toMatch(/jobId is not a job id/);
    expect(update).not.toHaveBeenCalled();
  });

  it('passes KilnErrors through and hides unexpected ones behind an internal error', async () => {
    const logged: unknown[] = [];
    const router = createRouter(
      handlers({
        'ports.list': () => {
          throw new TypeError('cannot read properties of undefined');
        },
      }),
      (_message, error) => logged.push(error),
    );
    expect(await router.handle('jobs.cancel', { jobId: 'job-x' }, context)).toEqual({
      ok: false,
      error: { code: 'not-found', message: 'There is no job job-x.' },
    });
    const internal = await router.handle('ports.list', {}, context);
    expect(internal).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(internal.ok === false && internal.error.message).not.toMatch(/undefined/);
    expect(logged).toHaveLength(1);
  });
});
