import { describe, expect, it } from 'vitest';
import { CHIP_FAMILIES } from '../../../../../shared/types/chips';
import { chipDescription } from '../../../../../electron/virtual-board/hardware/chips';
import { buildDemoFirmware } from '../../../../../electron/virtual-board/demo-firmware';
import { findMicroPythonBuild, microPythonFilesystemRegion, probeBootImage } from '../../../../../electron/virtual-board/hardware/boot-image-check';
import { NorFlash } from '../../../../../electron/virtual-board/hardware/nor-flash';

describe('what the boot ROM accepts', () => {
  it.each(CHIP_FAMILIES)('accepts the demo image for %s at its boot offset', (chip) => {
    const fw = buildDemoFirmware(chip);
    const flash = new NorFlash(4 * 1024 * 1024);
    flash.program(fw.offset, fw.data);
    const probe = probeBootImage(flash, chipDescription(chip));
    expect(probe.valid).toBe(true);
    if (probe.valid) expect(probe.image.segments).toHaveLength(2);
  });

  it('rejects erased flash and reports the first word', () => {
    const probe = probeBootImage(new NorFlash(1024 * 1024), chipDescription('esp32'));
    expect(probe).toEqual({ valid: false, firstWord: 0xffffffff });
  });

  it('rejects a flipped byte (checksum), an image for another chip, and the right image at the wrong offset', () => {
    const fw = buildDemoFirmware('esp32');
    const corrupt = fw.data.slice();
    corrupt[40] = (corrupt[40] as number) ^ 0x01;
    const flash = new NorFlash(4 * 1024 * 1024);
    flash.program(0x1000, corrupt);
    expect(probeBootImage(flash, chipDescription('esp32')).valid).toBe(false);

    const c3 = new NorFlash(4 * 1024 * 1024);
    c3.program(0x0, buildDemoFirmware('esp32s3').data);
    expect(probeBootImage(c3, chipDescription('esp32c3')).valid).toBe(false);

    const wrongOffset = new NorFlash(4 * 1024 * 1024);
    wrongOffset.program(0x0, fw.data);
    expect(probeBootImage(wrongOffset, chipDescription('esp32')).valid).toBe(false);
  });

  it('finds the MicroPython version string', () => {
    const flash = new NorFlash(4 * 1024 * 1024);
    flash.program(0x1000, buildDemoFirmware('esp32', { version: 'v1.23.0', date: '2024-06-02' }).data);
    expect(findMicroPythonBuild(flash, 0x200000)).toEqual({ version: 'v1.23.0', date: '2024-06-02' });
    expect(findMicroPythonBuild(new NorFlash(4 * 1024 * 1024), 0x200000)).toBeNull();
  });

  it('places the MicroPython filesystem like MicroPython does', () => {
    expect(microPythonFilesystemRegion('esp32', 4 * 1024 * 1024)).toEqual({ offset: 0x200000, size: 0x200000 });
    expect(microPythonFilesystemRegion('esp32s3', 8 * 1024 * 1024)).toEqual({ offset: 0x200000, size: 0x600000 });
    expect(microPythonFilesystemRegion('esp8266', 4 * 1024 * 1024)).toEqual({ offset: 0x100000, size: 0x300000 - 0x4000 });
    expect(microPythonFilesystemRegion('esp8266', 1024 * 1024)).toEqual({ offset: 0x90000, size: 0x100000 - 0x4000 - 0x90000 });
  });
});
