import { useAppStore } from '../stores/app-store';
import { useDeviceStore } from '../stores/device-store';
import { useJobsStore } from '../stores/jobs-store';
import { useReplStore } from '../stores/repl-store';
import { CHIP_DISPLAY_NAMES } from '../../../shared/types/chips';

const JOB_VERB = { connect: 'Connecting to', flash: 'Flashing', erase: 'Erasing', verify: 'Verifying', backup: 'Backing up', restore: 'Restoring', download: 'Downloading for', inspect: 'Looking at', probe: 'Looking at', 'file-upload': 'Uploading to', 'file-download': 'Downloading from' } as const;

/** Bottom line: the board's state (what a person cares about); the backend link only when it is down. */
export function StatusBar() {
  const info = useAppStore((state) => state.info);
  const connection = useAppStore((state) => state.connection);
  const sessions = useDeviceStore((state) => state.sessions);
  const jobs = useJobsStore((state) => state.jobs);
  const terminals = useReplStore((state) => state.sessions);
  const running = Object.values(jobs).filter((job) => job.status === 'running' && job.port !== null);
  let text: string;
  let dot: string;
  if (connection !== 'open') {
    text = connection === 'connecting' ? 'Starting…' : 'Kiln’s background process is not reachable — board state unknown, retrying';
    dot = connection === 'connecting' ? 'busy' : 'lost';
  } else if (running.length > 0) {
    const job = running[0]!;
    text = `${JOB_VERB[job.kind]} ${job.port}${running.length > 1 ? ` (+${running.length - 1} more)` : ''}`;
    dot = 'busy';
  } else if (sessions.length > 0) {
    const lost = sessions.find((s) => s.status === 'lost');
    const session = lost ?? sessions[0]!;
    text = lost
      ? `Board on ${session.port} unplugged or lost`
      : `${CHIP_DISPLAY_NAMES[session.info.chip]} on ${session.port}: ready${sessions.length > 1 ? ` (+${sessions.length - 1} more)` : ''}`;
    dot = lost ? 'lost' : 'ready';
  } else if (terminals.length > 0) {
    // No flashing session, but the terminal holds a board: say what it is doing.
    const terminal = terminals.find((t) => t.state !== 'connected') ?? terminals[0]!;
    const state = { connected: 'MicroPython REPL open', rebooting: 'rebooting', busy: 'working on files', disconnected: 'unplugged, waiting for it', closed: 'closed' }[terminal.state];
    text = `Board on ${terminal.port}: ${state}${terminals.length > 1 ? ` (+${terminals.length - 1} more)` : ''}`;
    dot = terminal.state === 'connected' ? 'ready' : terminal.state === 'disconnected' || terminal.state === 'closed' ? 'lost' : 'busy';
  } else {
    text = 'No board connected';
    dot = 'idle';
  }
  return (
    <footer className="status-bar">
      <span className={`dot dot-${dot}`} aria-hidden="true" />
      <span role="status">{text}</span>
      <span className="status-spacer" />
      {info && (
        <span>
          Kiln {info.version} · {info.mode === 'headless' ? 'headless mode' : 'desktop'}
        </span>
      )}
    </footer>
  );
}
