import { afterEach, describe, expect, it } from 'vitest';
import { RECOVERY_NOTICE } from '../../../../../electron/virtual-board/micropython/index';
import { decodeFsImage, encodeFsImage } from '../../../../../electron/virtual-board/micropython/fs-image';
import { MemoryStorage, RuntimeConsole } from './runtime-harness';

const BANNER =
  'MicroPython v1.24.1 on 2024-11-29; Kiln virtual board with ESP32\r\n' + 'Type "help()" for more information.\r\n>>> ';
const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n>';

const running: RuntimeConsole[] = [];
async function start(...args: Parameters<typeof RuntimeConsole.start>): Promise<RuntimeConsole> {
  const board = await RuntimeConsole.start(...args);
  running.push(board);
  return board;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((board) => board.stop()));
});

function storedFiles(storage: MemoryStorage): Record<string, string> {
  const result = decodeFsImage(storage.read());
  if (result.status !== 'ok') throw new Error(`no filesystem in storage: ${result.status}`);
  const files: Record<string, string> = {};
  for (const entry of result.entries) files[entry.path] = entry.kind === 'file' ? Buffer.from(entry.data).toString('latin1') : '<dir>';
  return files;
}

describe('MicroPython runtime: friendly REPL', () => {
  it('prints the banner of the flashed version and board, then a prompt', async () => {
    const board = await start();
    expect(await board.waitFor('>>> ')).toBe(BANNER);
  });

  it('answers 1+2 with 3 and cooks newlines as a UART console shows them', async () => {
    const board = await start();
    await board.waitFor('>>> ');
    expect(await board.repl('1+2')).toBe('3\r\n');
    expect(await board.repl('print("a\\nb")')).toBe('a\r\nb\r\n');
    expect(await board.repl('x')).toBe(
      'Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nNameError: name \'x\' isn\'t defined\r\n',
    );
  });

  it('lists the user files with os.listdir() and nothing else', async () => {
    const board = await start();
    await board.waitFor('>>> ');
    expect(await board.repl('import os; os.listdir()')).toBe('[]\r\n');
    await board.repl("open('notes.txt','w').write('hi')");
    expect(await board.repl('os.listdir()')).toBe("['notes.txt']\r\n");
  });

  it('runs the machine.Pin snippet and the other stand-ins', async () => {
    const board = await start();
    await board.waitFor('>>> ');
    expect(await board.repl('import machine; led = machine.Pin(2, machine.Pin.OUT); led.on(); led.value()')).toBe('1\r\n');
    expect(await board.repl('led.toggle(); led.value(), led')).toBe('(0, Pin(2))\r\n');
    expect(await board.repl('machine.freq(), len(machine.unique_id())')).toBe('(160000000, 6)\r\n');
    expect(await board.repl('import network; w = network.WLAN(network.STA_IF); w.active(True); w.isconnected(), w.scan()')).toBe(
      '(False, [])\r\n',
    );
    expect(await board.repl("import os; os.uname().release, os.uname().sysname")).toBe("('1.24.1', 'esp32')\r\n");
    expect(await board.repl('import time; time.sleep_ms(20); time.sleep(0.01); print("ok")')).toBe('ok\r\n');
  });

  it('reads input() from the UART like a board', async () => {
    const board = await start();
    await board.waitFor('>>> ');
    board.send('name = input("Name? ")\r');
    await board.waitFor('Name? ');
    board.send('Ada\r');
    await board.waitFor('>>> ');
    expect(await board.repl('name')).toBe("'Ada'\r\n");

    board.send('import sys; key = sys.stdin.read(1)\r');
    await board.waitFor('key = sys.stdin.read(1)\r\n');
    board.send('k');
    await board.waitFor('>>> ');
    expect(await board.repl('key')).toBe("'k'\r\n");
  });
});

describe('MicroPython runtime: Ctrl-C and limits', () => {
  it('interrupts a loop that sleeps with a KeyboardInterrupt traceback', async () => {
    const board = await start();
    await board.waitFor('>>> ');
    board.send('import time\r');
    await board.waitFor('>>> ');
    board.send('while True: time.sleep(0.05)\r\r');
    await board.waitFor('... \r\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    board.send('\x03');
    const text = await board.waitFor('>>> ', 5000);
    expect(text).toContain('KeyboardInterrupt: \r\n');
    expect(text).not.toContain('[Kiln]');
    expect(await board.repl('1+2')).toBe('3\r\n');
  });

  it('interrupts a printing loop', async () => {
    const board = await start();
    await board.waitFor('>>> ');
    board.send('i = 0\r');
    await board.waitFor('>>> ');
    board.send('while True: i += 1; print(i)\r\r');
    await board.waitFor('\r\n100\r\n');
    board.send('\x03');
    expect(await board.waitFor('>>> ', 5000)).toMatch(/KeyboardInterrupt: \r\n>>> $/);
    expect(await board.repl('i > 100')).toBe('True\r\n');
  });

  it('interrupts a program waiting in input()', async () => {
    // A generous grace: on a loaded machine the worker may take a while to see the Ctrl-C, and this
    // test is about input() raising KeyboardInterrupt, not about the restart after the grace.
    const board = await start({ tuning: { interruptGraceMs: 4000 } });
    await board.waitFor('>>> ');
    board.send('answer = input("? ")\r');
    await board.waitFor('? ');
    board.send('\x03');
    expect(await board.waitFor('>>> ', 5000)).toContain('KeyboardInterrupt');
    expect(await board.repl('1+2')).toBe('3\r\n');
  });

  it('paces a print flood at UART speed, as a board whose TX buffer is full', async () => {
    const board = await start({ tuning: { uartBytesPerSecond: 11_520, uartBurstBytes: 8192 } });
    await board.waitFor('>>> ');
    board.skipAll();
    board.send("while True: print('0123456789' * 6)\r\r");
    await board.waitFor('0123456789\r\n');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Unpaced, the interpreter prints megabytes in this time; a 115200-baud UART carries ~6 KB.
    expect(board.unread.length).toBeLessThan(32 * 1024);
    board.send('\x03');
    expect(await board.waitFor('KeyboardInterrupt: \r\n>>> ', 8000)).toContain('Traceback');
  });

  it('raises MemoryError when a program outgrows the memory limit', async () => {
    const board = await start({ tuning: { memoryLimitBytes: 24 * 1024 * 1024 } });
    await board.waitFor('>>> ');
    await board.repl('chunks = []');
    const text = await board.repl('while True: chunks.append(bytearray(100000))\r', 20_000);
    expect(text).toContain('MemoryError');
    expect(await board.repl('chunks = None; 1+2')).toBe('3\r\n');
  });

  it('stops `while True: pass` by restarting the interpreter, keeping files', async () => {
    const board = await start({ tuning: { interruptGraceMs: 500 } });
    await board.waitFor('>>> ');
    await board.repl("open('kept.txt','w').write('still here')");
    board.send('while True: pass\r\r');
    await board.waitFor('... \r\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    board.send('\x03');
    const text = await board.waitFor(BANNER, 5000);
    expect(text).toContain(RECOVERY_NOTICE);
    expect(await board.repl("open('kept.txt').read()")).toBe("'still here'\r\n");
    expect(await board.repl('1+2')).toBe('3\r\n');
  });
});

describe('MicroPython runtime: resets and the filesystem', () => {
  it('soft reboot (Ctrl-D) keeps written files and runs boot.py then main.py', async () => {
    const board = await start();
    await board.waitFor('>>> ');
    await board.repl("open('data.txt','w').write('42')");
    await board.repl(`open('boot.py','w').write("print('boot ran')\\n")`);
    await board.repl(`open('main.py','w').write("print('main ran', open('data.txt').read())\\n")`);
    board.send('\x04');
    expect(await board.waitFor('>>> ')).toBe(`\r\nMPY: soft reboot\r\nboot ran\r\nmain ran 42\r\n${BANNER}`);
    expect(await board.repl('import os; sorted(os.listdir())')).toBe("['boot.py', 'data.txt', 'main.py']\r\n");
    // A fresh interpreter: names from before the reboot are gone.
    expect(await board.repl('data')).toContain("NameError: name 'data' isn't defined");
  });

  it('shows a traceback from main.py with its file name and still reaches the prompt', async () => {
    const board = await start();
    await board.waitFor('>>> ');
    await board.repl(`open('main.py','w').write("x = 1\\nprint(undefined_name)\\n")`);
    board.send('\x04');
    const text = await board.waitFor('>>> ');
    expect(text).toContain('Traceback (most recent call last):\r\n  File "main.py", line 2, in <module>\r\nNameError');
    expect(text).not.toContain('_kiln');
    expect(text.endsWith(BANNER)).toBe(true);
  });

  it('keeps the filesystem in the storage across stop() and a new runtime (hard reset)', async () => {
    const storage = new MemoryStorage(64 * 1024);
    const first = await start({ storage });
    await first.waitFor('>>> ');
    await first.repl("import os; os.mkdir('lib'); open('lib/util.py','w').write('VALUE = 7\\n')");
    await first.repl("open('blob.bin','wb').write(bytes(range(256)))");
    await first.stop();
    expect(storedFiles(storage)).toMatchObject({ lib: '<dir>', 'lib/util.py': 'VALUE = 7\n' });

    const second = await start({ storage });
    await second.waitFor('>>> ');
    expect(await second.repl('import util; util.VALUE')).toBe('7\r\n');
    expect(await second.repl("open('blob.bin','rb').read() == bytes(range(256))")).toBe('True\r\n');
  });

  it('treats erased flash as a blank filesystem and formats it', async () => {
    const storage = new MemoryStorage(32 * 1024, 0xff);
    const board = await start({ storage });
    await board.waitFor('>>> ');
    expect(await board.repl('import os; os.listdir()')).toBe('[]\r\n');
    expect(decodeFsImage(storage.read())).toEqual({ status: 'ok', entries: [] });
  });

  it('treats garbage in the region as a blank filesystem', async () => {
    const storage = new MemoryStorage(32 * 1024);
    for (let i = 0; i < storage.bytes.length; i++) storage.bytes[i] = (i * 7919) & 0xff;
    const board = await start({ storage });
    await board.waitFor('>>> ');
    expect(await board.repl('import os; os.listdir()')).toBe('[]\r\n');
  });

  it('loads files already in the storage', async () => {
    const storage = new MemoryStorage(32 * 1024);
    storage.write(encodeFsImage([{ kind: 'file', path: 'main.py', data: Buffer.from("print('hello from flash')\n") }]));
    const board = await start({ storage });
    expect(await board.waitFor('>>> ')).toBe(`hello from flash\r\n${BANNER}`);
  });

  it('refuses writes past the region size with OSError 28 and never corrupts the region', async () => {
    const storage = new MemoryStorage(8 * 1024);
    const board = await start({ storage });
    await board.waitFor('>>> ');
    await board.repl("open('small.txt','w').write('ok')");
    const text = await board.repl("f = open('big.bin','wb'); f.write(bytes(10000))");
    expect(text).toContain('OSError: 28');
    expect(await board.repl('f.close()')).toBe('');
    const files = storedFiles(storage);
    expect(files['small.txt']).toBe('ok');
    expect(await board.repl("import os; os.statvfs('/')[2]")).toBe('2\r\n');
  });
});

describe('MicroPython runtime: raw REPL', () => {
  it('enters, runs code and leaves exactly as firmware answers', async () => {
    const board = await start();
    await board.waitFor('>>> ');
    board.send('\x01');
    expect(await board.waitFor(RAW_BANNER)).toBe(`\r\n${RAW_BANNER}`);
    board.send('print(1+2)\x04');
    expect(await board.waitFor('\x04>')).toBe('OK3\r\n\x04\x04>');
    board.send('1/0\x04');
    expect(await board.waitFor('\x04>')).toBe(
      'OK\x04Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nZeroDivisionError: divide by zero\r\n\x04>',
    );
    board.send('\x02');
    expect(await board.waitFor('>>> ')).toBe(`\r\n${BANNER}`);
  });

  it('soft-reboots from the raw REPL and comes back in raw mode without running main.py', async () => {
    const board = await start();
    await board.waitFor('>>> ');
    await board.repl(`open('main.py','w').write("print('main ran')\\n")`);
    board.send('\x01');
    await board.waitFor(RAW_BANNER);
    board.send('\x04');
    expect(await board.waitFor(RAW_BANNER)).toBe(`OK\r\nMPY: soft reboot\r\n${RAW_BANNER}`);
    board.send('print(2*21)\x04');
    expect(await board.waitFor('\x04>')).toBe('OK42\r\n\x04\x04>');
  });

  it('answers raw-paste mode with the window and flow control of real firmware', async () => {
    const board = await start();
    await board.waitFor('>>> ');
    board.send('\x01');
    await board.waitFor(RAW_BANNER);
    board.send('\x05A\x01');
    expect(await board.waitFor('R\x01\x80\x00\x01')).toBe('R\x01\x80\x00\x01');

    // 300 bytes of code: more than two 128-byte windows, so the board must grant more.
    const code = `${'# padding\n'.repeat(25)}x = sum(range(10))\nprint('total', x)\n`;
    expect(code.length).toBeGreaterThan(256);
    board.send(code.slice(0, 256));
    expect(await board.waitFor('\x01\x01')).toBe('\x01\x01');
    board.send(code.slice(256));
    board.send('\x04');
    expect(await board.waitFor('>')).toBe('\x04total 45\r\n\x04\x04>');
  });

  it('reports an error from raw-paste code between the EOF markers', async () => {
    const board = await start();
    await board.waitFor('>>> ');
    board.send('\x01');
    await board.waitFor(RAW_BANNER);
    board.send('\x05A\x01');
    await board.waitFor('R\x01\x80\x00\x01');
    board.send('print("before")\nraise ValueError("bad value")\n\x04');
    expect(await board.waitFor('\x04>')).toBe(
      '\x04before\r\n\x04Traceback (most recent call last):\r\n  File "<stdin>", line 2, in <module>\r\nValueError: bad value\r\n\x04>',
    );
  });

  it('refuses an unknown raw-paste command with R\\x00', async () => {
    const board = await start();
    await board.waitFor('>>> ');
    board.send('\x01');
    await board.waitFor(RAW_BANNER);
    board.send('\x05B\x01');
    expect(await board.waitFor('>')).toBe('R\x00>');
    board.send('print(5)\x04');
    expect(await board.waitFor('\x04>')).toBe('OK5\r\n\x04\x04>');
  });
});
