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
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
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
      // HOTLINE_TEST_STACK=1: where it failed, too.
      if (process.env.HOTLINE_TEST_STACK) console.log(e && e.stack);
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

// --- the provider's side, for tests that text and call ------------------

export const ACCOUNT_SID = 'AC' + '0'.repeat(32);
export const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';

// X-Twilio-Signature as the provider computes it.
export function sign(url, params, token = AUTH_TOKEN) {
  let data = url;
  for (const k of Object.keys(params).sort()) data += k + params[k];
  return createHmac('sha1', token).update(data, 'utf8').digest('base64');
}

// A stand-in for the provider's REST API: takes every text and call and
// keeps them in posts ({ path, form, refused }); while refuse is set it
// answers texts as it does for a number it cannot text.  Resolves to
// { url, posts, refuse, close() }.
export async function startProvider() {
  const provider = { url: '', posts: [], refuse: false };
  const posts = provider.posts;
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      const refused = provider.refuse && req.url.endsWith('/Messages.json');
      if (req.method === 'POST') posts.push({ path: req.url, form, refused });
      res.writeHead(refused ? 400 : req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json' });
      if (req.method !== 'POST') return res.end(JSON.stringify({ messages: [], calls: [] }));
      if (refused) {
        return res.end(JSON.stringify({ code: 21211, status: 400,
          message: "The 'To' number is not a valid phone number." }));
      }
      const sid = (req.url.endsWith('/Calls.json') ? 'CA' : 'SM') + randomHex(32);
      res.end(JSON.stringify({ sid, status: 'queued', to: form.To }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  provider.url = 'http://127.0.0.1:' + server.address().port;
  provider.close = () => new Promise((r) => server.close(r));
  return provider;
}

export function randomHex(n) {
  return Math.random().toString(16).slice(2).padEnd(n, '0').slice(0, n);
}

// A text from `from' to the hotline, signed as the provider signs it;
// resolves to the webhook's status.
export async function sendSms(base, from, body) {
  const params = {
    MessageSid: 'SM' + randomHex(32), AccountSid: ACCOUNT_SID, From: from, To: '+18175550100',
    Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01',
  };
  const r = await fetch(base + '/sms/incoming', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': sign(base + '/sms/incoming', params) },
    body: new URLSearchParams(params).toString(),
  });
  return r.status;
}

// One query on the SQLite store (svc.store, "sqlite:PATH"), its output trimmed.
export function sqlite(store, q) {
  const p = spawnSync('sqlite3', ['-batch', store.replace(/^sqlite:/, ''), q], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error('sqlite3: ' + p.stderr);
  return p.stdout.trim();
}

// "hotline staff add NAME" with a password (and options such as --phone).
export function addStaff(env, name, password, ...options) {
  const p = spawnSync(paths.hotline, ['--config', paths.config, 'staff', 'add', name, '--password-stdin',
    ...options], { env, input: password + '\n', encoding: 'utf8' });
  if (p.status !== 0) throw new Error('staff add: ' + p.stderr);
}

// Log in on the dashboard's form as name.
export async function logIn(page, base, name, password) {
  await page.goto(base + '/staff');
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#queue-view').waitFor({ state: 'visible', timeout: 5000 });
}

// A provider webhook (form parameters), signed; resolves to { status, text }.
export async function webhook(url, params) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': sign(url, params) },
    body: new URLSearchParams(params).toString(),
  });
  return { status: r.status, text: await r.text() };
}

// A call from `from' through the voice webhooks: each key at the menu that
// asks it, then the provider's final status (the caller hangs up there).
export async function voiceCall(base, from, keys = [], duration = 40) {
  const params = { CallSid: 'CA' + randomHex(32), AccountSid: ACCOUNT_SID, From: from, To: '+18175550100',
    Caller: from, Called: '+18175550100', CallStatus: 'in-progress', Direction: 'inbound',
    ApiVersion: '2010-04-01' };
  let r = await webhook(base + '/voice/incoming', params);
  for (const key of keys) {
    if (r.status !== 200) throw new Error('voice webhook: ' + r.status + ' ' + r.text);
    const m = /<Gather[^>]* action="([^"]+)"/.exec(r.text);
    if (!m) throw new Error('no <Gather> in ' + r.text.slice(0, 300));
    r = await webhook(m[1].replace(/&amp;/g, '&'), Object.assign({}, params, { Digits: key }));
  }
  r = await webhook(base + '/voice/status', Object.assign({}, params, { CallStatus: 'completed',
    CallDuration: String(duration) }));
  if (r.status !== 200) throw new Error('status webhook: ' + r.status + ' ' + r.text);
}
