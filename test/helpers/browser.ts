import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's chromium, headless (`phone`: at a phone's size, with touch), with a fresh profile and none of its background traffic. Closing the
 * context also removes its profile folder; a launch that fails removes it at once.
 */
export async function launchChromium(options: { javaScriptEnabled?: boolean; phone?: boolean } = {}): Promise<BrowserContext> {
  const profile = await mkdtemp(join(tmpdir(), 'camlab-chromium-'));
  const removeProfile = () => rm(profile, { recursive: true, force: true });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      javaScriptEnabled: options.javaScriptEnabled ?? true,
      // A phone: 390 px wide, touch events, a coarse pointer (as chromium's device emulation gives them).
      ...(options.phone
        ? { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 }
        : { viewport: { width: 1100, height: 900 } }),
      timeout: 60000,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
    });
  } catch (error) {
    await removeProfile();
    throw error;
  }
  const close = context.close.bind(context);
  context.close = async (...args: Parameters<BrowserContext['close']>) => {
    try {
      await close(...args);
    } finally {
      await removeProfile();
    }
  };
  return context;
}

/** What a page did that a reader must never see: errors, dialogs (a label run as HTML), requests off the machine. */
export interface PageWatch {
  problems: string[];
  offMachine: string[];
}

/** A new page of `context` whose console errors, page errors and dialogs are collected, and whose requests off the machine are refused and listed. */
export async function watchedPage(context: BrowserContext, options: { warnings?: boolean } = {}): Promise<{ page: Page } & PageWatch> {
  const page = await context.newPage();
  const watch: PageWatch = { problems: [], offMachine: [] };
  page.on('console', (m) => (m.type() === 'error' || (options.warnings && m.type() === 'warning')) && watch.problems.push(m.text()));
  page.on('pageerror', (e) => watch.problems.push(e.message));
  page.on('dialog', (d) => {
    watch.problems.push(`a dialog opened: ${d.message()}`);
    void d.dismiss();
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (!/^(file|data|blob):/.test(url)) {
      watch.offMachine.push(url);
      return route.abort();
    }
    return route.continue();
  });
  return { page, ...watch };
}
