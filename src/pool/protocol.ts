// The messages between a pool and its workers (structured-clone data only).
import type { ExplainerInfo, JobInput, JobOutput } from './task';

export type ToWorker = { type: 'job'; id: number; input: JobInput } | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; info: ExplainerInfo }
  /** The explainer could not open (model, layer, method or classes wrong): no job can succeed. */
  | { type: 'unusable'; reason: string; camlabError: boolean }
  | { type: 'done'; id: number; output: JobOutput }
  | { type: 'failed'; id: number; reason: string };
