/**
 * The catalog of MicroPython builds Kiln offers. Three sources, best first:
 *   1. a refresh from MicroPython's board pages (persisted as the "last good" catalog),
 *   2. the last good catalog persisted in the data directory by an earlier refresh,
 *   3. the snapshot shipped with Kiln (catalog-snapshot.json), so a first start offline works.
 * A refresh that fails for some boards keeps those boards' entries from the previous catalog and
 * says so; one that fails for all keeps the previous catalog untouched.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CatalogEntry, CatalogRefreshResult, CatalogSource, CatalogView } from '../../shared/types/firmware';
import snapshot from './catalog-snapshot.json';
import { parseBoardPage } from './board-page';
import { abortedError } from './errors';
import { readJson, writeJsonAtomic } from './json-file';
import {
  CATALOG_BOARD_IDS,
  compareVersions,
  entryIdFor,
  findTarget,
  parseFirmwareFileName,
  writeOffsetFor,
  type FirmwareFileName,
} from './targets';

export const DEFAULT_CATALOG_BASE_URL = 'https://micropython.org';
/** Stable releases kept per build; older ones drop out of the list (a cached file stays usable). */
const STABLE_PER_TARGET = 3;
const PAGE_TIMEOUT_MS = 15_000;

interface Release extends FirmwareFileName {
  url: string;
  sha256?: string;
}

interface StoredCatalog {
  format: 1;
  fetchedAt: number;
  releases: Release[];
}

interface SnapshotFile {
  snapshotDate: string;
  files: string[];
}

export interface CatalogOptions {
  dataDir: string;
  baseUrl?: string;
  fetchImpl?: typeof fetch;
  now?: () => number;
}

function isStoredCatalog(value: unknown): value is StoredCatalog {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<StoredCatalog>;
  return v.format === 1 && typeof v.fetchedAt === 'number' && Array.isArray(v.releases);
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'no answer in time';
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return cause.code === 'ECONNREFUSED' ? 'connection refused' : cause.code;
    return error.message;
  }
  return String(error);
}

/** Keeps, per build, the newest few stable releases and a preview only if newer than them. */
function selectReleases(releases: Release[]): Release[] {
  const byTarget = new Map<string, Release[]>();
  for (const r of releases) {
    if (!findTarget(r.boardId, r.variant)) continue;
    const key = `${r.boardId}/${r.variant ?? ''}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), r]);
  }
  const kept: Release[] = [];
  for (const list of byTarget.values()) {
    list.sort((a, b) => compareVersions(b.version, a.version) || b.date.localeCompare(a.date));
    const stable = list.filter((r) => r.channel === 'stable').slice(0, STABLE_PER_TARGET);
    const newestStable = stable[0]?.version;
    const preview = list.find(
      (r) => r.channel === 'preview' && (newestStable === undefined || compareVersions(r.version, newestStable) > 0),
    );
    kept.push(...(preview ? [preview] : []), ...stable);
  }
  return kept;
}

export class FirmwareCatalog {
  private readonly file: string;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private current: { view: CatalogView; releases: Release[] } | null = null;

  constructor(options: CatalogOptions) {
    this.file = join(options.dataDir, 'firmware', 'catalog.json');
    this.baseUrl = (options.baseUrl ?? DEFAULT_CATALOG_BASE_URL).replace(/\/+$/, '');
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.now = options.now ?? Date.now;
  }

  get snapshotDate(): string {
    return (snapshot as SnapshotFile).snapshotDate;
  }

  async view(): Promise<CatalogView> {
    return (await this.load()).view;
  }

  async findEntry(id: string): Promise<CatalogEntry | undefined> {
    return (await this.view()).entries.find((e) => e.id === id);
  }

  /** Reads every board page; see the module comment for what happens when some fail. */
  async refresh(signal?: AbortSignal): Promise<CatalogRefreshResult> {
    const previous = await this.load();
    type BoardResult = { boardId: string; releases: Release[] } | { boardId: string; error: string };
    const results = await Promise.all(
      CATALOG_BOARD_IDS.map(async (boardId): Promise<BoardResult> => {
        try {
          return { boardId, releases: await this.fetchBoard(boardId, signal) };
        } catch (error) {
          if (signal?.aborted) throw abortedError('Refreshing the firmware list');
          return { boardId, error: describeFailure(error) };
        }
      }),
    );
    const failed = results.filter((r) => 'error' in r);
    const failedBoards = failed.map((r) => r.boardId);
    const host = new URL(this.baseUrl).host;
    const previousName =
      previous.view.source === 'snapshot'
        ? `the list shipped with Kiln (${this.snapshotDate})`
        : `the last good list from ${new Date(previous.view.fetchedAt).toISOString().slice(0, 10)}`;
    if (failed.length === results.length) {
      const reason = failed[0] && 'error' in failed[0] ? failed[0].error : 'unknown error';
      return {
        ok: false,
        catalog: previous.view,
        failedBoards,
        message: `Couldn't refresh the firmware list from ${host} (${reason}). Kept ${previousName}.`,
      };
    }
    const fresh = results.flatMap((r) => ('releases' in r ? r.releases : []));
    const kept = previous.releases.filter((r) => failedBoards.includes(r.boardId));
    const stored: StoredCatalog = { format: 1, fetchedAt: this.now(), releases: selectReleases([...fresh, ...kept]) };
    await mkdir(join(this.file, '..'), { recursive: true });
    await writeJsonAtomic(this.file, stored);
    this.current = this.makeView(stored.releases, 'network', stored.fetchedAt);
    const message =
      failed.length === 0
        ? `Firmware list updated from ${host}.`
        : `Firmware list updated from ${host}, except ${failedBoards.join(', ')} (${failed
            .map((f) => ('error' in f ? f.error : ''))
            .join('; ')}): kept ${previousName} for ${failed.length === 1 ? 'it' : 'them'}.`;
    return { ok: failed.length === 0, catalog: this.current.view, failedBoards, message };
  }

  private async fetchBoard(boardId: string, signal?: AbortSignal): Promise<Release[]> {
    const pageUrl = `${this.baseUrl}/download/${boardId}/`;
    const timeout = AbortSignal.timeout(PAGE_TIMEOUT_MS);
    const response = await this.fetchImpl(pageUrl, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headers: { accept: 'text/html' },
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status} for ${boardId}`);
    }
    const links = parseBoardPage(await response.text(), pageUrl, boardId);
    if (links.length === 0) throw new Error(`no firmware links on the ${boardId} page (has its layout changed?)`);
    return links;
  }

  private async load(): Promise<{ view: CatalogView; releases: Release[] }> {
    if (this.current) return this.current;
    const stored = await readJson(this.file);
    if (isStoredCatalog(stored)) {
      this.current = this.makeView(stored.releases, 'last-good', stored.fetchedAt);
    } else {
      const snap = snapshot as SnapshotFile;
      const releases = snap.files.flatMap((fileName) => {
        const parsed = parseFirmwareFileName(fileName);
        return parsed ? [{ ...parsed, url: `${this.baseUrl}/resources/firmware/${fileName}` }] : [];
      });
      this.current = this.makeView(selectReleases(releases), 'snapshot', Date.parse(snap.snapshotDate));
    }
    return this.current;
  }

  private makeView(releases: Release[], source: CatalogSource, fetchedAt: number) {
    const entries: CatalogEntry[] = releases.flatMap((r) => {
      const target = findTarget(r.boardId, r.variant);
      if (!target) return [];
      const entry: CatalogEntry = {
        id: entryIdFor(r.fileName),
        boardId: r.boardId,
        variant: r.variant,
        title: target.title,
        chip: target.chip,
        minFlashBytes: target.minFlashBytes,
        writeOffset: writeOffsetFor(target.chip),
        version: r.version,
        date: r.date,
        channel: r.channel,
        url: r.url,
        fileName: r.fileName,
      };
      if (r.sha256) entry.sha256 = r.sha256;
      return [entry];
    });
    return { view: { entries, source, fetchedAt, snapshotDate: this.snapshotDate }, releases };
  }
}
