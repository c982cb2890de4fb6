/** What a user can ask of a connected board. Each takes a progress callback and an AbortSignal. */
export { detect } from './detect';
export { writeFlash, type WriteFlashOptions, type WriteFlashResult, type WrittenRegion, type HeaderPatcher } from './write-flash';
export { verifyFlash, type VerifiedRegion } from './verify-flash';
export { readFlash } from './read-flash';
export { eraseFlash, eraseRegion } from './erase';
export { changeBaud } from './change-baud';
export { hardReset, resetIntoApp, type ResetMethod } from './hard-reset';
export { checkImages, checkRegion, padToWord, SECTOR_SIZE, type FlashImage } from './regions';
