import type { ChipFamily } from '../../../shared/types/chips';

/**
 * Python modules the virtual board's firmware provides besides the WebAssembly port's own:
 * small stand-ins for the hardware modules (machine, network, esp, esp32) so that the snippets
 * people paste from tutorials run instead of failing on ImportError, plus the start-up glue
 * (_kiln_boot). They are imported at boot from a mount that is removed again, so they live in
 * sys.modules and never in the user's filesystem, like frozen modules on a real board.
 *
 * `_kiln` is the JavaScript bridge the worker registers (sleep that Ctrl-C can cut short, a
 * blocking input(), filesystem usage for statvfs).
 */

const KILN_BOOT = String.raw`
# Start-up glue of the Kiln virtual board; see stand-in-modules.ts.
import sys, os, time, builtins, micropython, _kiln
from collections import namedtuple

_uname_result = namedtuple('uname_result', ('sysname', 'nodename', 'release', 'version', 'machine'))
_identity = None
# What pyexec returns on a real board: 1 done, 0 an exception was printed, 0x100 SystemExit.
NORMAL = 1
FAILED = 0
FORCED_EXIT = 0x100


def _uname():
    return _identity


def _statvfs(path):
    bsize = 4096
    capacity = _kiln.fs_capacity()
    free = max(0, (capacity - _kiln.fs_used()) // bsize)
    return (bsize, bsize, capacity // bsize, free, free, 0, 0, 0, 0, 255)


_posix_rename = os.rename


def _rename(old, new):
    # The WebAssembly port's VfsPosix mounted at "/" answers ENOENT to a rename between absolute
    # paths (relative ones work); a board's littlefs/FAT takes both. Rename from the root instead.
    cwd = os.getcwd()

    def from_root(path):
        full = path if path.startswith('/') else cwd.rstrip('/') + '/' + path
        return full.lstrip('/')

    os.chdir('/')
    try:
        _posix_rename(from_root(old), from_root(new))
    finally:
        os.chdir(cwd)


def install(sysname, release, version, machine):
    global _identity
    _identity = _uname_result(sysname, sysname, release, version, machine)
    # The port's own sleep busy-waits and cannot be interrupted; these block in the worker
    # and return early on Ctrl-C.
    time.sleep = _kiln.sleep
    time.sleep_ms = _kiln.sleep_ms
    time.sleep_us = _kiln.sleep_us
    # The port has no stdin; this one reads the UART like a board's input() does.
    builtins.input = _kiln.input
    os.uname = _uname
    os.statvfs = _statvfs
    os.rename = _rename


def _print_exception(exc):
    import io
    text = io.StringIO()
    sys.print_exception(exc, text)
    for line in text.getvalue().split('\n'):
        # This helper's own frame is not part of the user's program.
        if line and '/_kiln/' not in line:
            print(line)


def run_file(name):
    try:
        f = open(name)
    except OSError:
        return NORMAL  # a missing boot.py or main.py is not an error
    try:
        source = f.read()
    finally:
        f.close()
    import __main__
    scope = __main__.__dict__
    scope['__file__'] = name
    micropython.kbd_intr(3)
    try:
        exec(compile(source, name, 'exec'), scope)
        return NORMAL
    except SystemExit:
        return FORCED_EXIT
    except BaseException as exc:
        micropython.kbd_intr(-1)
        _print_exception(exc)
        return FAILED
    finally:
        micropython.kbd_intr(-1)
`;

const MACHINE = String.raw`
# Stand-in for a board's machine module (Kiln virtual board): the API surface of common
# snippets, with no hardware behind it.
import time, _kiln

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5

_freq = _kiln.cpu_frequency()


def freq(hz=None):
    global _freq
    if hz is None:
        return _freq
    _freq = int(hz)


def unique_id():
    return bytes(_kiln.unique_id())


def reset():
    # A soft reset stands in for the hard one: the interpreter restarts, files stay.
    raise SystemExit


def soft_reset():
    raise SystemExit


def reset_cause():
    return PWRON_RESET


def idle():
    pass


def lightsleep(ms=None):
    if ms is not None:
        time.sleep_ms(ms)


def deepsleep(ms=None):
    raise SystemExit


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


def time_pulse_us(pin, pulse_level, timeout_us=1000000):
    return -1


class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 2
    PULL_DOWN = 1
    IRQ_RISING = 1
    IRQ_FALLING = 2
    WAKE_LOW = 4
    WAKE_HIGH = 5

    def __init__(self, id, mode=-1, pull=-1, *, value=None, drive=None, hold=None):
        if isinstance(id, Pin):
            id = id._id
        if not isinstance(id, int) or id < 0 or id > 48:
            raise ValueError('invalid pin')
        self._id = id
        self._mode = Pin.IN
        self._value = 0
        self.init(mode, pull, value=value)

    def init(self, mode=-1, pull=-1, *, value=None, drive=None, hold=None):
        if mode is not None and mode != -1:
            self._mode = mode
        if pull == Pin.PULL_UP and self._mode == Pin.IN:
            self._value = 1
        if value is not None:
            self._value = 1 if value else 0

    def value(self, x=None):
        if x is None:
            return self._value
        self._value = 1 if x else 0

    def __call__(self, x=None):
        return self.value(x)

    def on(self):
        self._value = 1

    def off(self):
        self._value = 0

    def toggle(self):
        self._value ^= 1

    def irq(self, handler=None, trigger=3, *, wake=None, hard=False):
        return None

    def __repr__(self):
        return 'Pin(%d)' % self._id


class Signal:
    def __init__(self, pin, *args, invert=False, **kwargs):
        self._pin = pin if isinstance(pin, Pin) else Pin(pin, *args, **kwargs)
        self._invert = invert

    def value(self, x=None):
        if x is None:
            return self._pin.value() ^ self._invert
        self._pin.value((1 if x else 0) ^ self._invert)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class PWM:
    def __init__(self, pin, freq=5000, duty=512, *, duty_u16=None, duty_ns=None, invert=False):
        self._pin = pin
        self._freq = freq
        self._duty_u16 = duty * 64 if duty_u16 is None else duty_u16

    def init(self, freq=None, duty=None, *, duty_u16=None, duty_ns=None):
        if freq is not None:
            self._freq = freq
        if duty is not None:
            self._duty_u16 = duty * 64
        if duty_u16 is not None:
            self._duty_u16 = duty_u16

    def freq(self, value=None):
        if value is None:
            return self._freq
        self._freq = value

    def duty(self, value=None):
        if value is None:
            return self._duty_u16 // 64
        self._duty_u16 = value * 64

    def duty_u16(self, value=None):
        if value is None:
            return self._duty_u16
        self._duty_u16 = value

    def duty_ns(self, value=None):
        period_ns = 1000000000 // max(1, self._freq)
        if value is None:
            return period_ns * self._duty_u16 // 65535
        self._duty_u16 = value * 65535 // period_ns

    def deinit(self):
        pass


class ADC:
    ATTN_0DB = 0
    ATTN_2_5DB = 1
    ATTN_6DB = 2
    ATTN_11DB = 3
    WIDTH_9BIT = 0
    WIDTH_10BIT = 1
    WIDTH_11BIT = 2
    WIDTH_12BIT = 3

    def __init__(self, pin, *, atten=None):
        self._pin = pin

    def init(self, *, atten=None):
        pass

    def read(self):
        return 0

    def read_u16(self):
        return 0

    def read_uv(self):
        return 0

    def atten(self, value):
        pass

    def width(self, value):
        pass


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id=-1, *args, **kwargs):
        self._id = id

    def init(self, *args, **kwargs):
        pass

    def deinit(self):
        pass

    def value(self):
        return 0


class I2C:
    def __init__(self, *args, **kwargs):
        pass

    def init(self, *args, **kwargs):
        pass

    def scan(self):
        return []

    def _no_device(self, *args, **kwargs):
        raise OSError(19)  # ENODEV: nothing answers on this bus

    readfrom = readfrom_into = writeto = readfrom_mem = readfrom_mem_into = writeto_mem = _no_device

    def deinit(self):
        pass


SoftI2C = I2C


class SPI:
    MSB = 0
    LSB = 1

    def __init__(self, *args, **kwargs):
        pass

    def init(self, *args, **kwargs):
        pass

    def read(self, nbytes, write=0):
        return bytes(nbytes)

    def readinto(self, buf, write=0):
        for i in range(len(buf)):
            buf[i] = 0

    def write(self, buf):
        pass

    def write_readinto(self, write_buf, read_buf):
        self.readinto(read_buf)

    def deinit(self):
        pass


SoftSPI = SPI


class UART:
    def __init__(self, id, baudrate=115200, *args, **kwargs):
        self._id = id

    def init(self, *args, **kwargs):
        pass

    def any(self):
        return 0

    def read(self, nbytes=None):
        return None

    def readline(self):
        return None

    def readinto(self, buf, nbytes=None):
        return None

    def write(self, buf):
        return len(buf)

    def deinit(self):
        pass


class WDT:
    def __init__(self, id=0, timeout=5000):
        pass

    def feed(self):
        pass


class RTC:
    def __init__(self, id=0):
        self._offset = 0

    def datetime(self, dt=None):
        if dt is not None:
            return None
        t = time.localtime()
        weekday = t[6]
        return (t[0], t[1], t[2], weekday, t[3], t[4], t[5], 0)

    def init(self, dt=None):
        pass

    def memory(self, data=None):
        return b''
`;

const NETWORK = String.raw`
# Stand-in for a board's network module (Kiln virtual board): there is no radio, so
# interfaces switch on but never find an access point.
import _kiln

STA_IF = 0
AP_IF = 1
STAT_IDLE = 1000
STAT_CONNECTING = 1001
STAT_GOT_IP = 1010
STAT_NO_AP_FOUND = 201
STAT_WRONG_PASSWORD = 202
STAT_BEACON_TIMEOUT = 200
STAT_ASSOC_FAIL = 203
STAT_HANDSHAKE_TIMEOUT = 204
AUTH_OPEN = 0
AUTH_WEP = 1
AUTH_WPA_PSK = 2
AUTH_WPA2_PSK = 3
AUTH_WPA_WPA2_PSK = 4

_hostname = 'kiln-virtual'
_interfaces = {}


def hostname(name=None):
    global _hostname
    if name is None:
        return _hostname
    _hostname = name


def country(code=None):
    return 'XX' if code is None else None


def phy_mode(mode=None):
    return 3 if mode is None else None


def WLAN(interface_id=STA_IF):
    if interface_id not in _interfaces:
        _interfaces[interface_id] = _WLAN(interface_id)
    return _interfaces[interface_id]


class _WLAN:
    IF_STA = STA_IF
    IF_AP = AP_IF
    PM_NONE = 0
    PM_PERFORMANCE = 1
    PM_POWERSAVE = 2

    def __init__(self, interface_id):
        self._if = interface_id
        self._active = False
        self._status = STAT_IDLE
        self._ssid = ''
        mac = bytearray(_kiln.unique_id())
        while len(mac) < 6:
            mac.insert(0, 0)
        if interface_id == AP_IF:
            mac[-1] = (mac[-1] + 1) & 0xFF
        self._mac = bytes(mac[-6:])

    def active(self, is_active=None):
        if is_active is None:
            return self._active
        self._active = bool(is_active)
        if not self._active:
            self._status = STAT_IDLE

    def connect(self, ssid=None, key=None, *, bssid=None):
        self._ssid = ssid or ''
        self._status = STAT_NO_AP_FOUND

    def disconnect(self):
        self._status = STAT_IDLE

    def isconnected(self):
        return False

    def status(self, param=None):
        if param == 'rssi':
            return 0
        return self._status

    def scan(self):
        return []

    def ifconfig(self, config=None):
        if config is None:
            return ('0.0.0.0', '0.0.0.0', '0.0.0.0', '0.0.0.0')

    def ipconfig(self, *args, **kwargs):
        if args and not kwargs:
            return {'addr4': ('0.0.0.0', '0.0.0.0'), 'gw4': '0.0.0.0', 'dhcp4': True}.get(args[0])

    def config(self, *args, **kwargs):
        if kwargs:
            if 'essid' in kwargs:
                self._ssid = kwargs['essid']
            if 'ssid' in kwargs:
                self._ssid = kwargs['ssid']
            return None
        if args:
            key = args[0]
            if key == 'mac':
                return self._mac
            if key in ('essid', 'ssid'):
                return self._ssid
            if key == 'hostname':
                return _hostname
            if key == 'channel':
                return 1
            if key == 'txpower':
                return 20
            raise ValueError('unknown config param')

    def __repr__(self):
        return '<WLAN>'
`;

const ESP = String.raw`
# Stand-in for the esp module (Kiln virtual board).
SLEEP_NONE = 0
SLEEP_LIGHT = 1
SLEEP_MODEM = 2
LOG_NONE = 0
LOG_ERROR = 1
LOG_WARNING = 2
LOG_INFO = 3
LOG_DEBUG = 4
LOG_VERBOSE = 5


def osdebug(uart_no, level=None):
    pass


def flash_size():
    return 4 * 1024 * 1024


def flash_user_start():
    return 0x200000


def sleep_type(sleep_type=None):
    return SLEEP_NONE if sleep_type is None else None


def check_fw():
    return True
`;

const ESP32 = String.raw`
# Stand-in for the esp32 module (Kiln virtual board).
WAKEUP_ALL_LOW = False
WAKEUP_ANY_HIGH = True
HEAP_DATA = 4
HEAP_EXEC = 1


def raw_temperature():
    return 128


def mcu_temperature():
    return 40


def hall_sensor():
    return 0


def wake_on_touch(wake):
    pass


def wake_on_ext0(pin, level):
    pass


def wake_on_ext1(pins, level):
    pass


def wake_on_ulp(wake):
    pass


def gpio_deep_sleep_hold(enable):
    pass


def idf_heap_info(capabilities):
    return []


class NVS:
    def __init__(self, namespace):
        self._values = {}

    def set_i32(self, key, value):
        self._values[key] = int(value)

    def get_i32(self, key):
        if key not in self._values:
            raise OSError(-4354)  # ESP_ERR_NVS_NOT_FOUND
        return self._values[key]

    def set_blob(self, key, value):
        self._values[key] = bytes(value)

    def get_blob(self, key, buffer):
        data = self._values[key]
        buffer[: len(data)] = data
        return len(data)

    def erase_key(self, key):
        del self._values[key]

    def commit(self):
        pass
`;

export interface StandInModule {
  /** Module name as imported. */
  readonly name: string;
  readonly source: string;
}

/** The modules a board of this family provides, start-up glue first. */
export function standInModules(chip: ChipFamily): StandInModule[] {
  const modules: StandInModule[] = [
    { name: '_kiln_boot', source: KILN_BOOT },
    { name: 'machine', source: MACHINE },
    { name: 'network', source: NETWORK },
    { name: 'esp', source: ESP },
  ];
  if (chip !== 'esp8266') modules.push({ name: 'esp32', source: ESP32 });
  return modules;
}
