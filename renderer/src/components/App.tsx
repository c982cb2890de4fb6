import { useAppStore, type Screen } from '../stores/app-store';
import { useDeviceStore } from '../stores/device-store';
import { useReplStore } from '../stores/repl-store';
import { BackupsScreen } from './backups/BackupsScreen';
import { ClassroomScreen } from './classroom/ClassroomScreen';
import { DevicePage } from './backups/DevicePage';
import { FlashScreen } from './FlashScreen';
import { SettingsScreen } from './SettingsScreen';
import { TerminalScreen } from './repl/TerminalScreen';
import { StatusBar } from './StatusBar';
import { ErrorBanner } from './ErrorBanner';

/** The wizard's "Open the REPL": the terminal takes the port over from the flashing session and resets the board into its program. */
function openReplFor(sessionId: string): void {
  const port = useDeviceStore.getState().sessions.find((session) => session.id === sessionId)?.port;
  if (port) void useReplStore.getState().openTerminal(port);
}

const NAV: { screen: Screen; label: string; hint: string }[] = [
  { screen: 'flash', label: 'Flash', hint: 'Connect a board and put MicroPython on it' },
  { screen: 'terminal', label: 'Terminal', hint: "The board's REPL and its files" },
  { screen: 'device', label: 'Device', hint: 'Everything about the connected board, its firmware, backing it up' },
  { screen: 'backups', label: 'Backups', hint: 'Your saved flash images: restore, export, import' },
  { screen: 'classroom', label: 'Classroom', hint: 'Image a tray of boards at once: one recipe, every board plugged in' },
  { screen: 'settings', label: 'Settings', hint: 'Demo board, baud rate, where Kiln keeps its files' },
];

/** The window: a sidebar of screens, the current screen, and a status bar. */
export function App() {
  const screen = useAppStore((state) => state.screen);
  const show = useAppStore((state) => state.show);
  const error = useAppStore((state) => state.error);
  const dismiss = useAppStore((state) => state.dismissError);
  const connection = useAppStore((state) => state.connection);
  if (connection === 'unauthorized') {
    return (
      <main className="blocked-page card" role="alert">
        <h1>Open the address Kiln printed</h1>
        <p>This page has no valid key for Kiln: it was opened without the address’s <span className="mono">#token=…</span> part, or Kiln has restarted since.</p>
        <p className="muted">Look in the terminal where you started Kiln for the line after “Open this address in a browser”, and open that address. The key changes every time Kiln starts.</p>
      </main>
    );
  }
  return (
    <div className="app">
      <nav className="sidebar" aria-label="Screens">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Kiln</span>
        </div>
        <ul>
          {NAV.map((item) => (
            <li key={item.screen}>
              <button
                type="button"
                className={item.screen === screen ? 'nav-item active' : 'nav-item'}
                aria-current={item.screen === screen ? 'page' : undefined}
                title={item.hint}
                onClick={() => show(item.screen)}
              >
                {item.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content">
        {error && <ErrorBanner message={error} onDismiss={dismiss} />}
        {screen === 'flash' ? <FlashScreen onOpenRepl={openReplFor} /> : screen === 'terminal' ? <TerminalScreen /> : screen === 'device' ? <DevicePage /> : screen === 'backups' ? <BackupsScreen /> : screen === 'classroom' ? <ClassroomScreen /> : <SettingsScreen />}
      </main>
      <StatusBar />
    </div>
  );
}
