import { useEffect, useRef } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { useReplStore, watchConsole } from '../../stores/repl-store';

const encoder = new TextEncoder();

/**
 * The board's console: xterm.js (full ANSI), keys straight to the board (Ctrl-C and Ctrl-D
 * included), Ctrl+Shift+C / Ctrl+Shift+V to copy and paste (plain Ctrl-C belongs to the board).
 */
export function TerminalView({ sessionId, live }: { sessionId: string; live: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const send = useReplStore((state) => state.send);
  const liveRef = useRef(live);
  useEffect(() => {
    liveRef.current = live;
  }, [live]);

  useEffect(() => {
    if (!host.current) return;
    const term = new Terminal({
      convertEol: false,
      cursorBlink: true,
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      fontSize: 14,
      // Room below the baseline, or underscores vanish in the DOM renderer.
      lineHeight: 1.2,
      scrollback: 5000,
      theme: { background: '#16181d', foreground: '#e6e6e6', cursor: '#fbbf24', selectionBackground: '#4b5563' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current);
    fit.fit();
    term.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) return true;
      if (event.code === 'KeyC') {
        const selection = term.getSelection();
        if (selection) void navigator.clipboard?.writeText(selection).catch(() => undefined);
        return false;
      }
      if (event.code === 'KeyV') {
        void navigator.clipboard
          ?.readText()
          .then((text) => term.paste(text))
          .catch(() => undefined);
        return false;
      }
      return true;
    });
    const input = term.onData((data) => {
      if (liveRef.current) send(encoder.encode(data));
    });
    const unwatch = watchConsole(sessionId, (bytes) => term.write(bytes));
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(host.current);
    term.focus();
    return () => {
      observer.disconnect();
      unwatch();
      input.dispose();
      term.dispose();
    };
  }, [sessionId, send]);

  return <div className="terminal-host" ref={host} data-testid="terminal" aria-label="Board terminal" />;
}
