// A pool worker: opens its own explainer (backend and model copy), then answers jobs one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { openExplainer, transferables } from './task';
import type { ToWorker, FromWorker, WorkerStart } from './protocol';
import type { SharedModelFiles } from '../model/load';
import { present } from '../errors';

const port = present(parentPort, 'camlab/pool/worker runs only as a worker thread.');
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

const { settings, probe, awaitFiles } = workerData as WorkerStart;
const files = awaitFiles
  ? new Promise<SharedModelFiles | undefined>((resolve) =>
      port.once('message', (message: ToWorker) => resolve(message.type === 'files' ? message.files : undefined)),
    )
  : undefined;

openExplainer(settings, { probe, files }).then(
  (explainer) => {
    send({ type: 'ready', info: explainer.info });
    port.on('message', (message: ToWorker) => {
      if (message.type === 'files') return;
      if (message.type === 'close') {
        explainer.close();
        port.close();
        return;
      }
      explainer.run(message.input).then(
        (output) => send({ type: 'done', id: message.id, output }, transferables(output)),
        (error: Error) => send({ type: 'failed', id: message.id, reason: error.message }),
      );
    });
  },
  (error: Error) => send({ type: 'unusable', reason: error.message, camlabError: error.name === 'CamlabError' }),
);
