import { describe, expect, it } from 'vitest';
import { standInModules } from '../../../../../electron/virtual-board/micropython/stand-in-modules';

describe('standInModules', () => {
  it('provides the start-up glue first, then the hardware modules of the family', () => {
    expect(standInModules('esp32').map((module) => module.name)).toEqual(['_kiln_boot', 'machine', 'network', 'esp', 'esp32']);
    expect(standInModules('esp8266').map((module) => module.name)).toEqual(['_kiln_boot', 'machine', 'network', 'esp']);
  });

  it('keeps the Python sources free of tabs (MicroPython mixes them badly with spaces)', () => {
    for (const module of standInModules('esp32')) expect(module.source).not.toContain('\t');
  });
});
