// The messages between a pool and its workers (structured-clone data only).
import type { ExplainerInfo, ExplainerStart, ExplainSettings, JobInput, JobOutput } from './task';
import type { SharedModelFiles } from '../model/load';

/** What a worker starts with: the pool's settings, the model's files when the pool read them, whether it probes. */
export interface WorkerStart extends Omit<ExplainerStart, 'files'> {
  settings: ExplainSettings;
  /** The model's files follow in a 'files' message (undefined inside: load the model yourself). */
  awaitFiles: boolean;
}

export type ToWorker =
  { type: 'files'; files: SharedModelFiles | undefined } | { type: 'job'; id: number; input: JobInput } | { type: 'close' };

export type FromWorker =
  /** `info` from the worker that probed (see openExplainer); the others have none. */
  | { type: 'ready'; info?: ExplainerInfo }
  /** The explainer could not open (model, layer, method or classes wrong): no job can succeed. */
  | { type: 'unusable'; reason: string; camlabError: boolean }
  | { type: 'done'; id: number; output: JobOutput }
  | { type: 'failed'; id: number; reason: string };
