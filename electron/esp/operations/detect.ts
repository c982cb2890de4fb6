/** Detect: everything Kiln can learn about the board without changing it. */
import type { DeviceInfo } from '../../../shared/types/device';
import { crystalFromDivider, formatMac } from '../chips';
import { reportStage, type OperationContext } from '../progress';
import type { EspSession } from '../session';

export async function detect(session: EspSession, context: OperationContext = {}): Promise<DeviceInfo> {
  session.ensureInLoader();
  const { chip } = session;
  const identity = await chip.identify(session.readReg);
  const mac = formatMac(await chip.readMac(session.readReg));
  const crystalMHz =
    chip.fixedCrystalMHz ?? crystalFromDivider(chip, await session.readReg(chip.uart.clockDividerRegister), session.link.baudRate);
  const flash = await session.flashInfo();
  reportStage(context.onProgress, 'done', `Found ${identity.description}`);
  return {
    chip: chip.family,
    description: identity.description,
    revision: identity.revision,
    features: identity.features,
    crystalMHz,
    mac,
    flash,
    usingStub: session.usingStub,
    baudRate: session.link.baudRate,
  };
}
