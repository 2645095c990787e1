import type { EventEmitter } from 'node:events';

/** The process-wide error events a dependency may claim. */
const EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Runs `action` and then removes any 'uncaughtException' or 'unhandledRejection' listener it added.
 * Why: the WASM backend's Emscripten module adds listeners that rethrow, which turns any later
 * unhandled rejection into a crash (in a tslab kernel: "Kernel died", losing every variable).
 * Importing camlab must leave the process's error handling as it was.
 */
export async function withoutNewErrorHandlers<T>(action: () => Promise<T>): Promise<T> {
  const emitter: EventEmitter = process;
  const before = new Map(EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  try {
    return await action();
  } finally {
    for (const event of EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}
