/** Electron IPC channel names, shared by the preload script and the main process. */
export const INVOKE_CHANNEL = 'kiln:invoke';
export const EVENT_CHANNEL = 'kiln:event';
/** The custom scheme the renderer is served from in the desktop app: a real origin, unlike file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'kiln';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
