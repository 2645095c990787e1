// figurePng, waited for synchronously: a worker thread paints while the calling thread blocks.
// Why: show() must put its output into the cell that called it even without `await`; tslab ends a
// cell as soon as its synchronous code returns, and anything displayed later lands in another cell.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { CamlabError } from '../errors';
import type { Figure } from './figure';
import { typescriptHookFor } from '../threads';

interface Request {
  figure: Figure;
  reply: MessagePort;
  done: Int32Array;
}
type Reply = { png: Uint8Array } | { error: string };

/** The worker: loads the PNG painter once, then paints each figure it is sent. */
const workerSource = (painter: string) => `
const { parentPort } = require('node:worker_threads');
let painter;
try {
  ${typescriptHookFor(painter)}
  painter = require(${JSON.stringify(painter)});
} catch (error) {
  painter = { loadError: error };
}
parentPort.on('message', async ({ figure, reply, done }) => {
  let message;
  try {
    if (painter.loadError) throw painter.loadError;
    message = { png: await painter.figurePng(figure) };
  } catch (error) {
    message = { error: String(error && error.message || error) };
  }
  reply.postMessage(message);
  reply.close();
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});`;

let worker: Worker | undefined;

function painterWorker(): Worker {
  if (!worker) {
    const painter = require.resolve('./png');
    worker = new Worker(workerSource(painter), { eval: true });
    worker.unref();
    worker.on('error', () => (worker = undefined));
    worker.on('exit', () => (worker = undefined));
  }
  return worker;
}

/**
 * The figure as PNG bytes, painted by figurePng in a worker thread while this thread waits
 * (at most `timeoutMs`). The first call also starts the worker and loads jimp's fonts (≈ 0.5 s).
 */
export function figurePngSync(figure: Figure, timeoutMs = 120_000): Uint8Array {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  try {
    painterWorker().postMessage({ figure, reply: port2, done } satisfies Request, [port2]);
    const waited = Atomics.wait(done, 0, 0, timeoutMs);
    const received = receiveMessageOnPort(port1)?.message as Reply | undefined;
    if (!received) {
      throw new CamlabError(
        waited === 'timed-out'
          ? `Painting the figure's PNG took longer than ${timeoutMs / 1000} s; the figure was not shown.`
          : `The figure's PNG painter stopped without an answer; the figure was not shown.`,
      );
    }
    if ('error' in received) throw new CamlabError(`Painting the figure's PNG failed: ${received.error}`);
    return received.png;
  } finally {
    port1.close();
  }
}
