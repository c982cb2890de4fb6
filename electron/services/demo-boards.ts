/**
 * A chosen set of Demo boards instead of the default two: for a workshop that wants an "ESP-01
 * with 512 KB", and for the end-to-end tests, which need boards with a given flash size, a flash
 * file they can read afterwards, or one that refuses download mode for its first connections
 * (like a bare module until someone holds BOOT). Read from a JSON file named on the command line.
 */
import { z } from 'zod';
import type { PortInfo } from '../../shared/types/ports';
import { CHIP_DISPLAY_NAMES, CHIP_FAMILIES } from '../../shared/types/chips';
import type { Link } from '../serial/link';
import { boardFor } from '../virtual-board/access/virtual-ports';

const demoBoardSpec = z
  .object({
    chip: z.enum(CHIP_FAMILIES),
    /** Part of the port path: virtual:<chip>:<name>. */
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    label: z.string().min(1).max(120).optional(),
    flashSize: z
      .number()
      .int()
      .min(256 * 1024)
      .max(64 * 1024 * 1024)
      .optional(),
    /** Keep the board's flash in this file (absolute path). */
    flashFile: z.string().startsWith('/').optional(),
    /** The first N connections find the board refusing download mode; later ones succeed. */
    refuseDownloadModeFor: z.number().int().min(0).max(1000).optional(),
    /**
     * Listed only once this long (ms) has passed since the set was first listed (the Demo board
     * turned on): boards plugged into a hub one after another, for classroom mode.
     */
    appearAfterMs: z.number().int().min(0).max(600_000).optional(),
    /**
     * The first connection's cable is pulled after this many bytes from Kiln (mid-write when large
     * enough); the port then leaves the list for `replugAfterMs` and comes back, the same board.
     */
    unplugAtByte: z.number().int().min(1).max(64 * 1024 * 1024).optional(),
    replugAfterMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict();

export type DemoBoardSpec = z.infer<typeof demoBoardSpec>;

export function parseDemoBoards(value: unknown): DemoBoardSpec[] {
  const parsed = z.array(demoBoardSpec).min(1).max(32).safeParse(value);
  if (!parsed.success) throw new Error(`The Demo board list is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`);
  return parsed.data;
}

export interface DemoBoardSet {
  list(): PortInfo[];
  handles(path: string): boolean;
  open(path: string, baud: number): Promise<Link>;
}

/** Unplugged boards are away from the list this long unless their spec says otherwise. */
const DEFAULT_REPLUG_AFTER_MS = 2000;

export function demoBoardSet(specs: readonly DemoBoardSpec[], now: () => number = Date.now): DemoBoardSet {
  const byPath = new Map(specs.map((spec) => [`virtual:${spec.chip}:${spec.name}`, spec]));
  const opens = new Map<string, number>();
  /** When each unplugged board is plugged back in. */
  const awayUntil = new Map<string, number>();
  let firstListedAt: number | null = null;
  const present = (path: string, spec: DemoBoardSpec, at: number): boolean =>
    at - (firstListedAt ?? at) >= (spec.appearAfterMs ?? 0) && at >= (awayUntil.get(path) ?? 0);
  return {
    list: () => {
      const at = now();
      firstListedAt ??= at;
      return [...byPath.entries()].filter(([path, spec]) => present(path, spec, at)).map(([path, spec]) => ({
        path,
        label: spec.label ?? `Demo board ${spec.name} (virtual ${CHIP_DISPLAY_NAMES[spec.chip]})`,
        adapter: 'Kiln virtual board',
        vendorId: null,
        productId: null,
        serialNumber: null,
        virtual: true,
      }));
    },
    handles: (path) => byPath.has(path),
    async open(path, baud) {
      const spec = byPath.get(path);
      if (!spec) throw new Error(`${path} is not one of the Demo boards.`);
      if (firstListedAt !== null && !present(path, spec, now())) throw new Error(`${path} is not plugged in`);
      const board = await boardFor(path, {
        ...(spec.flashSize !== undefined ? { flashSize: spec.flashSize } : {}),
        ...(spec.flashFile !== undefined ? { flashFile: spec.flashFile } : {}),
        name: spec.label ?? `Demo ${spec.name}`,
      });
      const count = (opens.get(path) ?? 0) + 1;
      opens.set(path, count);
      const unplug = count === 1 && spec.unplugAtByte !== undefined ? { unplugAtByte: spec.unplugAtByte } : {};
      const refuse = count <= (spec.refuseDownloadModeFor ?? 0) ? { refuseDownloadMode: true } : {};
      board.setFaults(Object.keys(unplug).length + Object.keys(refuse).length > 0 ? { ...unplug, ...refuse } : undefined);
      const link = board.connect(path);
      if (spec.unplugAtByte !== undefined && count === 1) {
        // The fault closes the link as a pulled cable does; a pulled board also leaves the port list.
        link.onClose((reason) => {
          if (/unplugged/.test(reason)) awayUntil.set(path, now() + (spec.replugAfterMs ?? DEFAULT_REPLUG_AFTER_MS));
        });
      }
      if (link.baudRate !== baud) await link.setBaudRate(baud);
      return link;
    },
  };
}
