// A pool worker: opens its own explainer (backend and model copy), then answers jobs one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { openExplainer, transferables, type ExplainSettings } from './task';
import type { ToWorker, FromWorker } from './protocol';

const port = parentPort!;
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

openExplainer(workerData as ExplainSettings).then(
  (explainer) => {
    send({ type: 'ready', info: explainer.info });
    port.on('message', (message: ToWorker) => {
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
