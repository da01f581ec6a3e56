// What every browser test shares: where the programs are, a free port,
// hotlined started on a temporary store, headless Chromium launched the one
// way that works on Debian 12 (its own chromium package, driven by
// playwright-core 1.61, the last release that runs on Debian 12's Node.js
// 18), and the "name: N passed, N failed" tally tests/run-all counts.
//
//   import { paths, freePort, startHotlined, launchChromium, Tally } from './common.mjs';
//   const t = new Tally('guides');
//   const svc = await startHotlined({ env: { TWILIO_AUTH_TOKEN: '...' } });
//   const browser = await launchChromium(join(svc.work, 'chromium'));
//   await t.check('the page shows', async () => { ... t.assert(cond, 'why'); });
//   ... finally: await browser.close(); await svc.stop(); t.report();
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const topSrc = resolve(process.env.top_srcdir || join(here, '..', '..'));
const topBuild = resolve(process.env.top_builddir || topSrc);

export const paths = {
  topSrc,
  topBuild,
  hotlined: join(topBuild, 'src', 'hotlined'),
  hotline: join(topBuild, 'src', 'hotline'),
  config: join(topSrc, 'config', 'hotline.yaml'),
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
    s.on('error', rej);
  });
}

// Debian's chromium (HOTLINE_CHROMIUM names another binary).
export const chromiumPath = process.env.HOTLINE_CHROMIUM || '/usr/bin/chromium';

// Headless Chromium with a fresh profile in profileDir (Playwright passes it
// as --user-data-dir).  Returns a persistent context: pages() and newPage(),
// cookies(), close().
export async function launchChromium(profileDir, options = {}) {
  if (!existsSync(chromiumPath)) throw new Error('no Chromium at ' + chromiumPath);
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 760 },
    ...options,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ...(options.args || [])],
  });
}

// hotlined on a loopback port with a store in a new temporary folder (its
// working directory too).  options.env is added to the environment;
// HOTLINE_LISTEN, HOTLINE_PUBLIC_URL and HOTLINE_STORE are set here unless
// given.  Resolves once /healthz answers, to { base, port, work, store,
// env, log(), stop() }; stop() also removes the folder.
export async function startHotlined(options = {}) {
  const work = mkdtempSync(join(tmpdir(), 'hotline-browser-'));
  const port = await freePort();
  const base = 'http://127.0.0.1:' + port;
  const env = Object.assign({}, process.env, {
    HOTLINE_LISTEN: '127.0.0.1:' + port,
    HOTLINE_PUBLIC_URL: base,
    HOTLINE_STORE: 'sqlite:' + join(work, 'hotline.db'),
  }, options.env || {});
  const args = ['--config', options.config || paths.config, ...(options.args || [])];
  const daemon = spawn(paths.hotlined, args, { env, cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  daemon.stderr.on('data', (d) => { log += d; });
  let exited = false;
  daemon.on('exit', () => { exited = true; });
  const svc = {
    base, port, work, env, store: env.HOTLINE_STORE,
    log: () => log,
    async stop() {
      if (!exited) {
        daemon.kill('SIGTERM');
        await new Promise((r) => { daemon.on('exit', r); setTimeout(r, 5000); });
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < 200 && !exited; i++) {
    try {
      if ((await fetch(base + '/healthz')).ok) return svc;
    } catch { /* not listening yet */ }
    await sleep(50);
  }
  await svc.stop();
  throw new Error('hotlined did not start: ' + log.slice(-2000));
}

// Counts checks and prints "name: N passed, N failed" last.
export class Tally {
  constructor(name) {
    this.name = name;
    this.passed = 0;
    this.failed = 0;
  }

  async check(what, fn) {
    try {
      await fn();
      this.passed++;
      console.log('ok   ' + what);
    } catch (e) {
      this.fail(what + ': ' + (e && e.message ? e.message.split('\n')[0] : e));
    }
  }

  fail(why) {
    this.failed++;
    console.log('FAIL ' + why);
  }

  assert(cond, msg) {
    if (!cond) throw new Error(msg || 'assertion failed');
  }

  report() {
    console.log(`${this.name}: ${this.passed} passed, ${this.failed} failed`);
    process.exitCode = this.failed === 0 ? 0 : 1;
  }
}
