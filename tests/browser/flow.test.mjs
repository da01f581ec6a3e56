// The dashboard's phone tree (GET /staff/flow) in headless Chromium against
// a real hotlined: the drawing of the shipped menu is on the page, every
// node of flow.yaml in it, reached from the dashboard's link, with no
// script errors and nothing fetched but the page.
// Prints "flow: N passed, N failed" last.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const topSrc = resolve(process.env.top_srcdir || join(here, '..', '..'));
const topBuild = resolve(process.env.top_builddir || topSrc);
const HOTLINED = join(topBuild, 'src', 'hotlined');
const CONFIG = join(topSrc, 'config', 'hotline.yaml');

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log('ok   ' + name);
  } catch (e) {
    failed++;
    console.log('FAIL ' + name + ': ' + (e && e.message ? e.message.split('\n')[0] : e));
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg || 'assertion failed');
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
    s.on('error', rej);
  });
}

// The node names of the shipped flow.yaml.
function nodeIds() {
  const text = readFileSync(join(topSrc, 'config', 'flow.yaml'), 'utf8');
  const body = text.slice(text.indexOf('\nnodes:') + 7);
  return [...body.matchAll(/^  ([a-z_]+):\s*$/gm)].map((m) => m[1]);
}

const work = mkdtempSync(join(tmpdir(), 'hotline-flow-'));
const port = await freePort();
const base = 'http://127.0.0.1:' + port;
const env = Object.assign({}, process.env, {
  HOTLINE_LISTEN: '127.0.0.1:' + port,
  HOTLINE_PUBLIC_URL: base,
  HOTLINE_STORE: 'sqlite:' + join(work, 'hotline.db'),
  HOTLINE_PROVIDER_API: 'http://127.0.0.1:1',
  TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32),
  TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789abcdef',
  HOTLINE_CLOCK: '2026-12-01T10:00:00-06:00@' + Math.floor(Date.now() / 1000),
});
const daemon = spawn(HOTLINED, ['--config', CONFIG], { env, cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
let daemonLog = '';
daemon.stderr.on('data', (d) => { daemonLog += d; });

let browser;
try {
  let up = false;
  for (let i = 0; i < 200 && !up; i++) {
    try { up = (await fetch(base + '/healthz')).ok; } catch { await sleep(50); }
  }
  if (!up) throw new Error('hotlined did not start: ' + daemonLog.slice(-2000));
  // Drawn off the loop after start: wait for the drawing.
  let drawn = false;
  for (let i = 0; i < 100 && !drawn; i++) {
    drawn = (await (await fetch(base + '/staff/flow')).text()).includes('<svg');
    if (!drawn) await sleep(100);
  }

  browser = await chromium.launchPersistentContext(join(work, 'chromium'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = browser.pages()[0] || await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });

  await check('the dashboard links to the phone tree', async () => {
    await page.goto(base + '/staff/');
    await page.getByRole('link', { name: 'Phone tree' }).click();
    await page.waitForURL(/\/staff\/flow$/);
    assert(await page.locator('h1').innerText() === 'Phone tree', 'not the phone tree page');
  });

  await check('the drawing shows every node of the menu', async () => {
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    problems.length = 0;
    await page.goto(base + '/staff/flow');
    const svg = page.locator('svg').first();
    assert(await svg.isVisible(), 'no drawing on the page');
    const box = await svg.boundingBox();
    assert(box && box.width > 300 && box.height > 50, 'drawing too small: ' + JSON.stringify(box));
    const titles = await page.locator('svg g.node > title').allTextContents();
    for (const id of nodeIds()) assert(titles.includes(id), 'node ' + id + ' not drawn');
    const text = await svg.textContent();
    assert(text.includes('Fort Worth'), 'the clinic choices are not drawn');
    assert(problems.length === 0, 'errors: ' + problems.join('; '));
    assert(requests.length === 1, 'fetched more than the page: ' + requests.join(' '));
  });
} catch (e) {
  failed++;
  console.log('FAIL setup: ' + e.message);
} finally {
  if (browser) await browser.close();
  daemon.kill('SIGTERM');
  await new Promise((r) => { daemon.on('exit', r); setTimeout(r, 5000); });
  rmSync(work, { recursive: true, force: true });
  console.log(`flow: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}
