import { useAppStore } from '../stores/app-store';

const CONNECTION_TEXT = {
  connecting: 'Connecting to Kiln…',
  open: 'Connected',
  closed: 'Disconnected from Kiln — retrying',
} as const;

/** Bottom line: which Kiln this is and whether the UI can reach it. */
export function StatusBar() {
  const info = useAppStore((state) => state.info);
  const connection = useAppStore((state) => state.connection);
  return (
    <footer className="status-bar">
      <span className={`dot dot-${connection}`} aria-hidden="true" />
      <span role="status">{CONNECTION_TEXT[connection]}</span>
      <span className="status-spacer" />
      {info && (
        <span>
          Kiln {info.version} · {info.mode === 'headless' ? 'headless mode' : 'desktop'}
        </span>
      )}
    </footer>
  );
}
