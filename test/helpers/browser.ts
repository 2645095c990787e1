import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * Debian's chromium, headless, with a fresh profile and none of its background traffic. Closing the
 * context also removes its profile folder; a launch that fails removes it at once.
 */
export async function launchChromium(options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
  const profile = await mkdtemp(join(tmpdir(), 'camlab-chromium-'));
  const removeProfile = () => rm(profile, { recursive: true, force: true });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      javaScriptEnabled: options.javaScriptEnabled ?? true,
      viewport: { width: 1100, height: 900 },
      timeout: 60000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
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
