// Failures visible where the user looks, as far as each kernel allows. Installed once, when camlab is
// loaded inside a kernel; in a script or a test nothing is changed.
// - Deno's kernel reports a cell's exception with its name and message, but drops a promise rejection
//   nobody handled: camlab shows it as an error output of the cell running when it happens
//   (`Deno.jupyter.broadcast('error', …)`) and marks it handled, so the kernel carries on.
// - tslab 1.0.22 reports a failed cell only as stderr text and an execute_reply without ename/evalue
//   (nbconvert then says "<Error>: "), and an unhandled rejection only as text on the kernel's stderr,
//   which a headless run loses. camlab wraps the running kernel's execute handler (found through the
//   running tslab's own modules, checked by shape; another version is left as it is): a failed cell
//   gets an error output and a reply with the error's name and message; a rejection becomes an error
//   output of the cell that is running, or of the next cell when none is.
import { denoJupyter } from './kernel';

let extended = false;

export function showKernelFailures(): void {
  if (extended) return;
  extended = true;
  const deno = denoJupyter();
  if (deno) {
    globalThis.addEventListener('unhandledrejection', (event: PromiseRejectionEvent) => {
      event.preventDefault();
      void deno.broadcast('error', { ...errorContent(event.reason) }).catch(() => {});
    });
    return;
  }
  extendTslab();
}

interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** An error (or anything thrown) as Jupyter's error content. */
export function errorContent(reason: unknown): ErrorContent {
  if (reason instanceof Error) {
    const stack = (reason.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
    return { ename: reason.name, evalue: reason.message, traceback: [`${reason.name}: ${reason.message}`, ...stack] };
  }
  return { ename: 'Error', evalue: String(reason), traceback: [String(reason)] };
}

/**
 * What Node printed for a thrown error ("Name: message", more message lines, then "    at …"), as
 * Jupyter's error content; the first line of other text (a TypeScript diagnostic) when there is none.
 */
export function errorFromText(text: string): ErrorContent {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^[A-Z]\w*(Error|Exception)\b/.test(line));
  if (start < 0) {
    const first = lines.find((line) => line.trim()) ?? 'the cell failed';
    return { ename: 'Error', evalue: first.trim(), traceback: lines.filter((line) => line.trim()) };
  }
  const [, ename, first] = /^([A-Z]\w*)(?: \[[^\]]*\])?:? ?(.*)$/.exec(lines[start]) ?? [];
  const rest = lines.slice(start + 1);
  const stackAt = rest.findIndex((line) => /^\s+at /.test(line));
  const evalue = [first, ...rest.slice(0, stackAt < 0 ? rest.length : stackAt)].join('\n').trim();
  return { ename, evalue, traceback: lines.slice(start).filter((line) => line.trim()) };
}

interface ZmqMessage {
  header: { msg_type: string };
  content: Record<string, unknown>;
  createReply(): ZmqMessage;
  signAndSend(key: string, socket: unknown): void;
}
interface ExecuteContent {
  status: string;
  execution_count?: number;
  [key: string]: unknown;
}
interface TslabServer {
  connInfo: { key: string };
  iopub: unknown;
  handler: {
    handleExecute(
      request: unknown,
      writeStream: (name: string, text: string) => void,
      writeDisplayData: (data: unknown, update: boolean) => void,
    ): Promise<ExecuteContent>;
  };
}
type HandleExecute = (this: TslabServer, socket: unknown, message: ZmqMessage) => Promise<void>;

/** The running tslab's module `file` (in its dist folder), from the module cache, or undefined. */
function runningTslabModule(file: string): unknown {
  const scope = (globalThis as { __tslab__?: { require(id: string): unknown } }).__tslab__;
  if (typeof scope?.require !== 'function') return undefined;
  let publicApi: unknown;
  try {
    publicApi = scope.require('tslab');
  } catch {
    return undefined;
  }
  const cache = require.cache;
  const entry = Object.values(cache).find(
    (m) => m?.exports === publicApi && /[\\/]tslab[\\/]dist[\\/][^\\/]+\.js$/.test(m?.filename ?? ''),
  );
  if (!entry) return undefined;
  return cache[entry.filename.replace(/[^\\/]+\.js$/, file)]?.exports;
}

function publish(server: TslabServer, parent: ZmqMessage, type: string, content: Record<string, unknown>): void {
  const message = parent.createReply();
  message.header.msg_type = type;
  message.content = content;
  message.signAndSend(server.connInfo.key, server.iopub);
}

function extendTslab(): void {
  const jupyter = runningTslabModule('jupyter.js') as { ZmqServer?: { prototype: { handleExecute?: HandleExecute } } } | undefined;
  const prototype = jupyter?.ZmqServer?.prototype;
  if (typeof prototype?.handleExecute !== 'function' || prototype.handleExecute.length !== 2) return;
  let running: { server: TslabServer; message: ZmqMessage } | undefined;
  const waiting: unknown[] = [];
  // tslab's own handler, as in its dist/jupyter.js, plus the error output and ename/evalue.
  prototype.handleExecute = async function (this: TslabServer, socket: unknown, message: ZmqMessage): Promise<void> {
    const reply = message.createReply();
    reply.header.msg_type = 'execute_reply';
    let stderr = '';
    const writeStream = (name: string, text: string) => {
      if (name === 'stderr') stderr = (stderr + text).slice(-64 * 1024);
      publish(this, message, 'stream', { name, text });
    };
    const writeDisplayData = (data: unknown, update: boolean) =>
      publish(this, message, update ? 'update_display_data' : 'display_data', data as Record<string, unknown>);
    running = { server: this, message };
    for (const reason of waiting.splice(0)) publish(this, message, 'error', { ...errorContent(reason) });
    try {
      const content = await this.handler.handleExecute(message.content, writeStream, writeDisplayData);
      if (content.status === 'error') {
        const error = errorFromText(stderr);
        publish(this, message, 'error', { ...error });
        Object.assign(content, error);
      }
      reply.content = content;
      reply.signAndSend(this.connInfo.key, socket);
    } finally {
      running = undefined;
    }
  };
  // tslab's own listener still prints the rejection to the kernel's stderr; this one shows it in a cell.
  process.on('unhandledRejection', (reason) => {
    if (running) publish(running.server, running.message, 'error', { ...errorContent(reason) });
    else waiting.push(reason);
  });
}
