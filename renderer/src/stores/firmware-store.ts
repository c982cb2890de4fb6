import { create } from 'zustand';
import type { CachedFirmware, CatalogView, FitCheckResult, ImageRef, LocalImage } from '../../../shared/types/firmware';
import { UPLOAD_CHUNK_BYTES } from '../../../shared/contract/uploads';
import { api } from '../api';
import { describeError } from '../error-text';

interface FirmwareState {
  catalog: CatalogView | null;
  /** "Firmware list updated from …" or why it could not be (offline: the cache still works). */
  refreshMessage: string | null;
  cached: CachedFirmware[];
  local: LocalImage[];
  /** The image the user chose (or Kiln preselected) for the board. */
  chosen: ImageRef | null;
  /** The fit check of a chosen local image against the connected board. */
  fit: FitCheckResult | null;
  adding: { name: string; sent: number; size: number } | null;
  error: string | null;
  load(): Promise<void>;
  refresh(): Promise<void>;
  choose(ref: ImageRef | null): void;
  setFit(fit: FitCheckResult | null): void;
  addFile(file: File): Promise<LocalImage | null>;
  reloadCache(): Promise<void>;
}

export const useFirmwareStore = create<FirmwareState>((set, get) => ({
  catalog: null,
  refreshMessage: null,
  cached: [],
  local: [],
  chosen: null,
  fit: null,
  adding: null,
  error: null,
  async load() {
    try {
      const [catalog, cached, local] = await Promise.all([
        api.invoke('firmware.catalog.list', {}),
        api.invoke('firmware.cache.list', {}),
        api.invoke('firmware.local.list', {}),
      ]);
      set({ catalog, cached, local });
    } catch (error) {
      set({ error: describeError(error) });
    }
  },
  async refresh() {
    try {
      const result = await api.invoke('firmware.catalog.refresh', {});
      set({ catalog: result.catalog, refreshMessage: result.ok ? null : result.message });
    } catch (error) {
      set({ refreshMessage: describeError(error) });
    }
  },
  choose(ref) {
    set({ chosen: ref, fit: null });
  },
  setFit(fit) {
    set({ fit });
  },
  async reloadCache() {
    try {
      set({ cached: await api.invoke('firmware.cache.list', {}) });
    } catch {
      // Shown again at the next load.
    }
  },
  /** Sends a file the browser holds in chunks; the main process checks it like a file chosen by path. */
  async addFile(file) {
    set({ adding: { name: file.name, sent: 0, size: file.size }, error: null });
    try {
      const { uploadId } = await api.invoke('firmware.upload.start', { name: file.name, size: file.size });
      for (let offset = 0; offset < file.size; offset += UPLOAD_CHUNK_BYTES) {
        const bytes = new Uint8Array(await file.slice(offset, offset + UPLOAD_CHUNK_BYTES).arrayBuffer());
        await api.invoke('firmware.upload.chunk', { uploadId, offset, base64: toBase64(bytes) });
        set({ adding: { name: file.name, sent: offset + bytes.length, size: file.size } });
      }
      const image = await api.invoke('firmware.upload.finish', { uploadId });
      set({ local: [...get().local.filter((i) => i.id !== image.id), image], chosen: { kind: 'local', id: image.id }, fit: null });
      return image;
    } catch (error) {
      set({ error: describeError(error) });
      return null;
    } finally {
      set({ adding: null });
    }
  },
}));

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}
