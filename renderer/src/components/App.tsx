import { useAppStore, type Screen } from '../stores/app-store';
import { BackupsScreen } from './backups/BackupsScreen';
import { DevicePage } from './backups/DevicePage';
import { FlashScreen } from './FlashScreen';
import { SettingsScreen } from './SettingsScreen';
import { TerminalScreen } from './repl/TerminalScreen';
import { StatusBar } from './StatusBar';
import { ErrorBanner } from './ErrorBanner';

const NAV: { screen: Screen; label: string; hint: string }[] = [
  { screen: 'flash', label: 'Flash', hint: 'Connect a board and put MicroPython on it' },
  { screen: 'terminal', label: 'Terminal', hint: "The board's REPL and its files" },
  { screen: 'device', label: 'Device', hint: 'Everything about the connected board, its firmware, backing it up' },
  { screen: 'backups', label: 'Backups', hint: 'Your saved flash images: restore, export, import' },
  { screen: 'settings', label: 'Settings', hint: 'Demo board, baud rate, where Kiln keeps its files' },
];

/** The window: a sidebar of screens, the current screen, and a status bar. */
export function App() {
  const screen = useAppStore((state) => state.screen);
  const show = useAppStore((state) => state.show);
  const error = useAppStore((state) => state.error);
  const dismiss = useAppStore((state) => state.dismissError);
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
        {screen === 'flash' ? <FlashScreen /> : screen === 'terminal' ? <TerminalScreen /> : screen === 'device' ? <DevicePage /> : screen === 'backups' ? <BackupsScreen /> : <SettingsScreen />}
      </main>
      <StatusBar />
    </div>
  );
}
