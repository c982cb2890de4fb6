/** The parts of Electron's Session this module uses; tests pass a fake. */
export interface PermissionSession {
  setPermissionRequestHandler(handler: ((webContents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null): void;
  setPermissionCheckHandler(handler: ((webContents: unknown, permission: string) => boolean) | null): void;
  setDevicePermissionHandler(handler: ((details: unknown) => boolean) | null): void;
}

/**
 * Kiln's page needs no browser permission (camera, microphone, notifications, geolocation,
 * clipboard reads, MIDI, HID/USB/serial from the page: the main process talks to the boards), so
 * every request and every check is denied. Electron's default is to grant most of them.
 */
export function denyAllPermissions(session: PermissionSession): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
