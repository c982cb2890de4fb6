/**
 * How long to wait for the board, in milliseconds. Values follow esptool's: a default for quick
 * commands, and per-megabyte rates for work whose duration grows with its size (erasing, hashing,
 * writing), so a 16 MB erase is not cut short and a dead board is not waited on for minutes
 * after a 4 KB one.
 */
export const DEFAULT_TIMEOUT_MS = 3_000;
/** Time for the first SYNC reply; a ROM that is listening answers within a few milliseconds. */
export const SYNC_TIMEOUT_MS = 100;
/** Gap after which the burst of extra SYNC replies is taken to be over. */
export const SYNC_DRAIN_QUIET_MS = 30;
/** A whole-chip erase can take this long on big, slow flash chips. */
export const CHIP_ERASE_TIMEOUT_MS = 120_000;
/** No single command is waited on longer than this. */
export const MAX_TIMEOUT_MS = 240_000;
export const MD5_MS_PER_MB = 8_000;
export const ERASE_REGION_MS_PER_MB = 30_000;
export const ERASE_WRITE_MS_PER_MB = 40_000;
/** The ROM may jump to uploaded code before its MEM_END reply leaves the UART. */
export const MEM_END_ROM_TIMEOUT_MS = 200;
/** A freshly started stub says "OHAI" within milliseconds; allow for slow USB adapters. */
export const STUB_HELLO_TIMEOUT_MS = 1_000;
/** After CHANGE_BAUDRATE both sides switch; bytes sent during the switch are noise. */
export const BAUD_SWITCH_SETTLE_MS = 50;

/** esptool's timeout_per_mb: the rate times the size, never less than the default. */
export function timeoutPerMb(msPerMb: number, sizeBytes: number): number {
  return Math.min(MAX_TIMEOUT_MS, Math.max(DEFAULT_TIMEOUT_MS, Math.ceil((msPerMb * sizeBytes) / 1e6)));
}
