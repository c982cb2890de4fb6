import type { DeviceInfo } from '../../../shared/types/device';
import { formatBytes } from '../../../shared/format';

const hex = (value: number, digits: number) => `0x${value.toString(16).toUpperCase().padStart(digits, '0')}`;

/** The chip and flash rows of a board, the same wherever a board is described (the wizard's card, the Device page). */
export function BoardIdentityFacts({ info }: { info: DeviceInfo }) {
  const flash = info.flash;
  return (
    <>
      <dt>Chip</dt>
      <dd>{info.description}</dd>
      <dt>Features</dt>
      <dd>{info.features.length > 0 ? info.features.join(', ') : '–'}</dd>
      <dt>Crystal</dt>
      <dd>{info.crystalMHz} MHz</dd>
      <dt>MAC address</dt>
      <dd className="mono">{info.mac}</dd>
      <dt>Flash</dt>
      <dd>
        {flash
          ? `${flash.sizeBytes !== null ? formatBytes(flash.sizeBytes) : 'unknown size'} · ${flash.vendor}${flash.model ? ` ${flash.model}` : ''} (id ${hex(flash.manufacturerId, 2)}/${hex(flash.deviceId, 4)})`
          : 'No flash chip answered'}
      </dd>
    </>
  );
}

/** "Fast flasher at 921,600 baud" or "ROM loader only, 115,200 baud". */
export function loaderLine(info: DeviceInfo): string {
  const baud = info.baudRate.toLocaleString('en-US');
  return info.usingStub ? `Fast flasher at ${baud} baud` : `ROM loader only, ${baud} baud`;
}
