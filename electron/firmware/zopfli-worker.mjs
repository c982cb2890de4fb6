// One zopfli compression in its own worker thread (started by zopfli.ts): zopfli spends seconds
// of CPU per image, which must not stall the main thread while boards are being written. Plain
// JavaScript on purpose: it loads the same way under vitest, tsx and a bundled app (the build
// copies it beside the bundles) without a TypeScript loader.
//
// In: workerData = { data: Uint8Array, numiterations: number, blocksplitting: boolean, blocksplittingmax: number }
// Out: one message, { stream: Uint8Array } (a zlib stream: header, deflate data, Adler-32) or { error: string }.
import { parentPort, workerData } from 'node:worker_threads';
import zopfli from '@gfx/zopfli';

const { data, numiterations, blocksplitting, blocksplittingmax } = workerData;

try {
  // zlib(), not deflate(): the loaders expect a zlib stream, as Node's zlib.deflate makes.
  zopfli.zlib(data, { numiterations, blocksplitting, blocksplittingmax }, (error, stream) => {
    if (error) parentPort.postMessage({ error: error.message });
    else parentPort.postMessage({ stream }, [stream.buffer]);
  });
} catch (error) {
  parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
