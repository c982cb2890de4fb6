/**
 * Kiln's ESP engine: plain Node, no Electron. Open a session on a Link, then run operations on it.
 *
 *   const session = await openSession(link, { baudRate: 460800, onProgress, signal });
 *   const info = await detect(session);
 *   await writeFlash(session, [{ offset: 0x1000, data }], { flashSize: 'detect' }, { onProgress, signal });
 *   await session.close('hard-reset');
 */
export { openSession, EspSession, ROM_BAUD, type SessionOptions, type StubState } from './session';
export * from './operations';
export { CHIPS, chipByFamily, type ChipDefinition } from './chips';
export { describeFlash, decodeJedecId } from './flash-chips';
export type { OperationContext, ProgressCallback } from './progress';
export type { AfterAction, BeforeAction } from './reset';
export type { StubImage, StubSource } from './stub';
export {
  CommandFailedError,
  CommandTimeoutError,
  ConnectError,
  EspError,
  InvalidRequestError,
  NeedsStubError,
  OperationAbortedError,
  UnknownChipError,
  UnsupportedCommandError,
  VerifyFailedError,
} from './errors';
