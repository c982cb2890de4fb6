import { TERMINAL_BAUD_RATES, type ReplBoardState } from '../../../../shared/types/repl';
import { usePortsStore } from '../../stores/ports-store';
import { sessionFor, useReplStore } from '../../stores/repl-store';
import { CodeEditor } from './CodeEditor';
import { FilesPanel } from './FilesPanel';
import { TerminalView } from './TerminalView';

const STATE_TEXT: Record<ReplBoardState, string> = {
  connected: 'Connected',
  rebooting: 'Rebooting…',
  busy: 'Working on files…',
  disconnected: 'Disconnected — waiting for the board',
  closed: 'Closed',
};

/** The board's REPL in a terminal, its files beside it, and an editor for main.py / boot.py. */
export function TerminalScreen() {
  const state = useReplStore();
  const { port, baud, opening, error, editor, editorBusy } = state;
  const session = sessionFor(state);
  const ports = usePortsStore((store) => store.ports);
  const selected = usePortsStore((store) => store.selected);
  const choice = port ?? selected ?? ports[0]?.path ?? '';
  const dirty = editor !== null && editor.text !== editor.saved;

  return (
    <div className="screen terminal-screen">
      <header className="screen-header terminal-header">
        <div>
          <h1>Terminal</h1>
          <p className="muted">MicroPython’s REPL on your board. Ctrl-C stops a program, Ctrl-D soft-resets; Ctrl+Shift+C / V copy and paste.</p>
        </div>
      </header>
      <section className="card terminal-bar" aria-label="Connection">
        <label className="inline-field">
          <span>Port</span>
          <select
            value={choice}
            disabled={session !== undefined || opening}
            onChange={(event) => useReplStore.setState({ port: event.target.value, error: null })}
            aria-label="Port"
          >
            {ports.length === 0 && <option value="">No ports found</option>}
            {ports.map((item) => (
              <option key={item.path} value={item.path}>
                {item.label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>Baud</span>
          <select value={session?.baud ?? baud} onChange={(event) => void state.setBaud(Number(event.target.value))} aria-label="Baud rate">
            {TERMINAL_BAUD_RATES.map((rate) => (
              <option key={rate} value={rate}>
                {rate}
              </option>
            ))}
          </select>
        </label>
        {session ? (
          <>
            <span className={`board-state state-${session.state}`} role="status" aria-live="polite" data-testid="board-state">
              <span className="dot" aria-hidden="true" /> {STATE_TEXT[session.state]}
            </span>
            <span className="bar-spacer" />
            <button type="button" className="button secondary small" disabled={session.state !== 'connected' && session.state !== 'rebooting'} onClick={() => void state.reset('soft')} title="Ctrl-D: restart MicroPython; boot.py and main.py run">
              Soft reset
            </button>
            <button
              type="button"
              className="button secondary small"
              disabled={!session.canHardReset || session.state === 'busy' || session.state === 'disconnected'}
              onClick={() => void state.reset('hard')}
              title={session.canHardReset ? 'Pulse EN through RTS: the board restarts as if RESET was pressed' : 'This port has no RTS line (a pty): use Soft reset'}
            >
              Hard reset
            </button>
            <button type="button" className="button secondary small" onClick={() => void state.closeTerminal()}>
              Close
            </button>
          </>
        ) : (
          <>
            <span className="bar-spacer" />
            <button type="button" className="button" disabled={!choice || opening} onClick={() => void state.openTerminal(choice)}>
              {opening ? 'Opening…' : 'Open terminal'}
            </button>
          </>
        )}
      </section>
      {session && !session.canHardReset && <p className="muted small-text">This port cannot reset the board (no RTS line, e.g. a pty): use Soft reset, or press RESET on the board.</p>}
      {error && (
        <div className="banner banner-error" role="alert">
          <span>{error}</span>
          <button type="button" className="link-button" onClick={state.dismissError}>
            Dismiss
          </button>
        </div>
      )}
      <div className={editor ? 'terminal-grid editing' : 'terminal-grid'}>
        <div className="terminal-frame">
          {session ? (
            <TerminalView sessionId={session.id} live={session.state === 'connected' || session.state === 'rebooting'} />
          ) : (
            <div className="terminal-placeholder muted">Choose a port and open the terminal. For a board you just flashed, this shows MicroPython’s prompt.</div>
          )}
          {session?.note && <p className="muted small-text terminal-note">{session.note}</p>}
        </div>
        {editor ? (
          <section className="card editor-pane" aria-labelledby="editor-heading">
            <div className="card-header">
              <h2 id="editor-heading" className="mono">
                {editor.path}
                {dirty ? ' •' : ''}
              </h2>
              <div className="editor-actions">
                <button type="button" className="button small" disabled={editorBusy || !dirty || session?.state !== 'connected'} onClick={() => void state.saveEditor()}>
                  {editorBusy ? 'Saving…' : 'Save to board'}
                </button>
                <button type="button" className="button secondary small" onClick={state.closeEditor}>
                  Close
                </button>
              </div>
            </div>
            {!editor.exists && <p className="muted small-text">{editor.path} is not on the board yet; Save creates it.</p>}
            <CodeEditor path={editor.path} text={editor.text} onChange={state.editText} onSave={() => void state.saveEditor()} />
            {state.filesError && (
              <p className="field-error" role="alert">
                {state.filesError}
              </p>
            )}
          </section>
        ) : (
          <FilesPanel />
        )}
      </div>
    </div>
  );
}
