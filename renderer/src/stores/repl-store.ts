import { create } from 'zustand';
import type { BoardFileListing, ReplSessionInfo } from '../../../shared/types/repl';
import { api } from '../api';
import { describeError } from '../error-text';
import { useAppStore } from './app-store';

/**
 * The Terminal screen's state: which port it shows, the sessions the main process reports, the
 * Files panel's folder. Console bytes do not go through zustand (xterm writes them directly);
 * they are kept per session here so the terminal can replay them when it mounts again.
 */

interface EditorFile {
  path: string;
  text: string;
  /** The text as last loaded or saved, to tell unsaved changes. */
  saved: string;
  exists: boolean;
}

interface ReplState {
  sessions: ReplSessionInfo[];
  /** The port the Terminal screen shows. */
  port: string | null;
  baud: number;
  opening: boolean;
  error: string | null;
  folder: string;
  listing: BoardFileListing | null;
  listingLoading: boolean;
  filesError: string | null;
  editor: EditorFile | null;
  editorBusy: boolean;
  /** Shows the Terminal screen for a port and opens its session (closing a flashing session there). */
  openTerminal(port: string): Promise<void>;
  closeTerminal(): Promise<void>;
  setBaud(baud: number): Promise<void>;
  reset(kind: 'hard' | 'soft'): Promise<void>;
  send(bytes: Uint8Array): void;
  refreshFiles(folder?: string): Promise<void>;
  fileAction(work: (sessionId: string) => Promise<unknown>, refresh?: boolean): Promise<boolean>;
  openEditor(path: string): Promise<void>;
  editText(text: string): void;
  saveEditor(): Promise<void>;
  closeEditor(): void;
  receive(sessions: ReplSessionInfo[]): void;
  dismissError(): void;
}

/** Console kept per session for a terminal that mounts later (switching screens): the last 512 KB. */
const SCROLLBACK_BYTES = 512 * 1024;
const scrollback = new Map<string, Uint8Array[]>();
const listeners = new Set<(sessionId: string, bytes: Uint8Array) => void>();

export function sessionFor(state: Pick<ReplState, 'sessions' | 'port'>): ReplSessionInfo | undefined {
  return state.sessions.find((session) => session.port === state.port && session.state !== 'closed');
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Subscribes a terminal to console bytes; replays what the session printed so far. */
export function watchConsole(sessionId: string, write: (bytes: Uint8Array) => void): () => void {
  for (const chunk of scrollback.get(sessionId) ?? []) write(chunk);
  const listener = (id: string, bytes: Uint8Array) => {
    if (id === sessionId) write(bytes);
  };
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function remember(sessionId: string, bytes: Uint8Array): void {
  const chunks = scrollback.get(sessionId) ?? [];
  chunks.push(bytes);
  let total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  while (total > SCROLLBACK_BYTES && chunks.length > 1) total -= chunks.shift()!.length;
  scrollback.set(sessionId, chunks);
}

export const useReplStore = create<ReplState>((set, get) => ({
  sessions: [],
  port: null,
  baud: 115200,
  opening: false,
  error: null,
  folder: '/',
  listing: null,
  listingLoading: false,
  filesError: null,
  editor: null,
  editorBusy: false,
  async openTerminal(port) {
    useAppStore.getState().show('terminal');
    if (get().port !== port) set({ port, listing: null, folder: '/', editor: null, filesError: null });
    if (sessionFor(get())) return;
    set({ opening: true, error: null });
    try {
      const session = await api.invoke('repl.open', { port, baud: get().baud, takeOver: true });
      get().receive([...get().sessions.filter((candidate) => candidate.id !== session.id), session]);
    } catch (error) {
      set({ error: describeError(error) });
    } finally {
      set({ opening: false });
    }
  },
  async closeTerminal() {
    const session = sessionFor(get());
    if (!session) return;
    try {
      await api.invoke('repl.close', { sessionId: session.id });
    } catch (error) {
      set({ error: describeError(error) });
    }
    scrollback.delete(session.id);
    set({ sessions: get().sessions.filter((candidate) => candidate.id !== session.id), listing: null, editor: null });
  },
  async setBaud(baud) {
    set({ baud });
    const session = sessionFor(get());
    if (!session) return;
    try {
      await api.invoke('repl.setBaud', { sessionId: session.id, baud });
    } catch (error) {
      set({ error: describeError(error) });
    }
  },
  async reset(kind) {
    const session = sessionFor(get());
    if (!session) return;
    try {
      await api.invoke('repl.reset', { sessionId: session.id, kind });
    } catch (error) {
      set({ error: describeError(error) });
    }
  },
  send(bytes) {
    const session = sessionFor(get());
    if (!session || bytes.length === 0) return;
    api.invoke('repl.write', { sessionId: session.id, data: toBase64(bytes) }).catch((error: unknown) => set({ error: describeError(error) }));
  },
  async refreshFiles(folder) {
    const session = sessionFor(get());
    if (!session) return;
    const path = folder ?? get().folder;
    set({ listingLoading: true, filesError: null });
    try {
      const listing = await api.invoke('files.list', { sessionId: session.id, path });
      set({ listing, folder: path });
    } catch (error) {
      set({ filesError: describeError(error) });
    } finally {
      set({ listingLoading: false });
    }
  },
  async fileAction(work, refresh = true) {
    const session = sessionFor(get());
    if (!session) return false;
    set({ filesError: null });
    try {
      await work(session.id);
      if (refresh) await get().refreshFiles();
      return true;
    } catch (error) {
      set({ filesError: describeError(error) });
      return false;
    }
  },
  async openEditor(path) {
    const session = sessionFor(get());
    if (!session) return;
    set({ editorBusy: true, filesError: null });
    try {
      const file = await api.invoke('files.readText', { sessionId: session.id, path });
      set({ editor: { path, text: file.text, saved: file.text, exists: file.exists } });
    } catch (error) {
      set({ filesError: describeError(error) });
    } finally {
      set({ editorBusy: false });
    }
  },
  editText(text) {
    const editor = get().editor;
    if (editor) set({ editor: { ...editor, text } });
  },
  async saveEditor() {
    const session = sessionFor(get());
    const editor = get().editor;
    if (!session || !editor) return;
    set({ editorBusy: true, filesError: null });
    try {
      await api.invoke('files.writeText', { sessionId: session.id, path: editor.path, text: editor.text });
      const current = get().editor;
      if (current?.path === editor.path) set({ editor: { ...current, saved: editor.text, exists: true } });
      await get().refreshFiles();
    } catch (error) {
      set({ filesError: describeError(error) });
    } finally {
      set({ editorBusy: false });
    }
  },
  closeEditor() {
    set({ editor: null });
  },
  receive(sessions) {
    set({ sessions });
  },
  dismissError() {
    set({ error: null });
  },
}));

export function subscribeRepl(): () => void {
  const offOutput = api.on('repl.output', ({ sessionId, data }) => {
    const bytes = fromBase64(data);
    remember(sessionId, bytes);
    for (const listener of listeners) listener(sessionId, bytes);
  });
  const offSessions = api.on('repl.sessions', (sessions) => useReplStore.getState().receive(sessions));
  void api
    .invoke('repl.list', {})
    .then((sessions) => useReplStore.getState().receive(sessions))
    .catch(() => undefined);
  return () => {
    offOutput();
    offSessions();
  };
}
