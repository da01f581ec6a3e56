// The staff dashboard in headless Chromium against a real hotlined: log in,
// watch callbacks requested by text and by phone appear without a reload,
// claim one with the mouse and one with the keyboard, finish one; watch a
// text the provider refuses appear under "Messages that could not be
// sent" and send it again with Retry.
// Prints "dashboard: N passed, N failed" last.
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { paths, sleep, startHotlined, launchChromium, Tally } from './common.mjs';

const HOTLINE = paths.hotline;
const CONFIG = paths.config;
const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const ACCOUNT_SID = 'AC' + '0'.repeat(32);
const TEXTER = '+18175550177';
const CALLER = '+18175550178';
const GUIDE_CALLER = '+18175550179';

const t = new Tally('dashboard');
const check = (name, fn) => t.check(name, fn);
const assert = (cond, msg) => t.assert(cond, msg);

// X-Twilio-Signature as the provider computes it.
function sign(url, params) {
  let data = url;
  for (const k of Object.keys(params).sort()) data += k + params[k];
  return createHmac('sha1', AUTH_TOKEN).update(data, 'utf8').digest('base64');
}

// The provider's REST API: takes every text and call, or, while
// provider.refuse is set, answers as it does for a number it cannot text.
const provider = { refuse: false, posts: [] };
const providerServer = createHttpServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    const send = (code, obj) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    // A voicemail, only with the account's credentials (the proxy's).
    if (req.method === 'GET' && req.url.startsWith('/Recordings/')) {
      if (!/^Basic /.test(req.headers.authorization || '')) return send(401, { code: 20003, message: 'Authenticate' });
      res.writeHead(200, { 'Content-Type': 'audio/x-wav' });
      return res.end(Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '));
    }
    if (req.method !== 'POST') return send(200, { messages: [], calls: [] });
    const form = Object.fromEntries(new URLSearchParams(body));
    provider.posts.push({ path: req.url, form, refused: provider.refuse });
    if (provider.refuse && req.url.endsWith('/Messages.json')) {
      return send(400, { code: 21211, status: 400, message: "The 'To' number is not a valid phone number." });
    }
    const sid = (req.url.endsWith('/Calls.json') ? 'CA' : 'SM') + Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32);
    send(201, { sid, status: 'queued', to: form.To });
  });
});
await new Promise((r) => providerServer.listen(0, '127.0.0.1', r));
const providerUrl = 'http://127.0.0.1:' + providerServer.address().port;

// A Tuesday morning: open.  Anchored to the real clock's second now, so
// the service and the command-line tool run later read one clock.
const svc = await startHotlined({ env: {
  HOTLINE_PROVIDER_API: providerUrl,
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  HOTLINE_CLOCK: '2026-12-01T10:00:00-06:00@' + Math.floor(Date.now() / 1000),
} }).catch((e) => {
  providerServer.close();
  t.fail('setup: ' + e.message);
  t.report();
  process.exit(1);
});
const { base, env, store, work } = svc;

async function sms(body, from) {
  const params = {
    MessageSid: 'SM' + Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32),
    AccountSid: ACCOUNT_SID, From: from, To: '+18175550100', Body: body,
    NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01',
  };
  const r = await fetch(base + '/sms/incoming', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': sign(base + '/sms/incoming', params) },
    body: new URLSearchParams(params).toString(),
  });
  return r.status;
}

function sql(q) {
  const p = spawnSync('sqlite3', ['-batch', store.slice(7), q], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error('sqlite3: ' + p.stderr);
  return p.stdout.trim();
}

async function webhook(url, params) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': sign(url, params) },
    body: new URLSearchParams(params).toString(),
  });
  return { status: r.status, text: await r.text() };
}

// A caller asks for a call back through the real voice webhooks: Spanish
// (9), guided stretches (2), "call me back" (4), this number (1), Fort
// Worth (1), the morning (1).  Returns the callback id.
async function phoneCallback(phone) {
  const sid = 'CA' + Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32);
  const params = { CallSid: sid, AccountSid: ACCOUNT_SID, From: phone, To: '+18175550100',
    Caller: phone, Called: '+18175550100', CallStatus: 'in-progress', Direction: 'inbound',
    ApiVersion: '2010-04-01' };
  let r = await webhook(base + '/voice/incoming', params);
  for (const key of ['9', '2', '4', '1', '1', '1']) {
    if (r.status !== 200) throw new Error('voice webhook: ' + r.status + ' ' + r.text);
    const m = /<Gather[^>]* action="([^"]+)"/.exec(r.text);
    if (!m) throw new Error('no <Gather> in ' + r.text.slice(0, 300));
    r = await webhook(m[1].replace(/&amp;/g, '&'), Object.assign({}, params, { Digits: key }));
  }
  const id = sql(`SELECT id FROM callbacks WHERE phone = '${phone}' AND status = 'waiting'`);
  if (!id) throw new Error('the call did not join the queue');
  return Number(id);
}

// The same caller tries Coppell from the clinics menu (4, 3), nobody
// answers, and they leave a voicemail (2).
async function coppellVoicemail(phone) {
  const sid = 'CA' + Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32);
  const params = { CallSid: sid, AccountSid: ACCOUNT_SID, From: phone, To: '+18175550100',
    Caller: phone, Called: '+18175550100', CallStatus: 'in-progress', Direction: 'inbound',
    ApiVersion: '2010-04-01' };
  const action = (r, verb) => {
    const m = new RegExp('<' + verb + '[^>]* action="([^"]+)"').exec(r.text);
    if (!m) throw new Error('no <' + verb + '> in ' + r.text.slice(0, 300));
    return m[1].replace(/&amp;/g, '&');
  };
  let r = await webhook(base + '/voice/incoming', params);
  for (const key of ['4', '3']) r = await webhook(action(r, 'Gather'), Object.assign({}, params, { Digits: key }));
  r = await webhook(action(r, 'Dial'), Object.assign({}, params, { DialCallStatus: 'no-answer',
    DialCallSid: 'CA' + 'd'.repeat(32), DialCallDuration: '0' }));
  r = await webhook(action(r, 'Gather'), Object.assign({}, params, { Digits: '2' }));
  r = await webhook(action(r, 'Record'), Object.assign({}, params, {
    RecordingUrl: 'http://127.0.0.1:' + providerServer.address().port + '/Recordings/RE' + '7'.repeat(32), RecordingSid: 'RE' + '7'.repeat(32),
    RecordingDuration: '9' }));
  if (r.status !== 200) throw new Error('recording: ' + r.status + ' ' + r.text);
}

// A caller asks from the phone menu to be texted a guide: "text me" (6),
// stretches (1).  Returns the outbox row ids queued.
async function textMeGuide(phone) {
  const sid = 'CA' + Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32);
  const params = { CallSid: sid, AccountSid: ACCOUNT_SID, From: phone, To: '+18175550100',
    Caller: phone, Called: '+18175550100', CallStatus: 'in-progress', Direction: 'inbound',
    ApiVersion: '2010-04-01' };
  let r = await webhook(base + '/voice/incoming', params);
  for (const key of ['6', '1']) {
    if (r.status !== 200) throw new Error('voice webhook: ' + r.status + ' ' + r.text);
    const m = /<Gather[^>]* action="([^"]+)"/.exec(r.text);
    if (!m) throw new Error('no <Gather> in ' + r.text.slice(0, 300));
    r = await webhook(m[1].replace(/&amp;/g, '&'), Object.assign({}, params, { Digits: key }));
  }
  const ids = sql(`SELECT id FROM outbox WHERE recipient = '${phone}' AND dedupe LIKE 'voice:${sid}:guide:%' ORDER BY id`);
  if (!ids) throw new Error('no guide text was queued');
  return ids.split('\n').map(Number);
}

let browser;
try {
  const add = spawnSync(HOTLINE, ['--config', CONFIG, 'staff', 'add', 'alice', '--password-stdin',
    '--phone', '+18175550142', '--locations', '*'], { env, input: 'dashboard-pass\n', encoding: 'utf8' });
  if (add.status !== 0) throw new Error('staff add: ' + add.stderr);

  browser = await launchChromium(join(work, 'chromium'));
  const page = browser.pages()[0] || await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await check('login form is shown with labels', async () => {
    await page.goto(base + '/staff');
    await page.getByLabel('Username').waitFor({ timeout: 5000 });
    assert(await page.getByLabel('Password').isVisible(), 'no password field');
  });

  await check('a wrong password is refused with a message', async () => {
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('not-it');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Wrong username or password.').waitFor({ timeout: 5000 });
  });

  await check('logs in and sees the queue', async () => {
    await page.getByLabel('Password').fill('dashboard-pass');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#queue-view').waitFor({ state: 'visible', timeout: 5000 });
    await page.getByText('Signed in as').waitFor();
    await page.getByText(/^Live/).waitFor({ timeout: 5000 });
  });

  const cookies = await browser.cookies();
  await check('session cookie is HttpOnly and SameSite=Strict', async () => {
    const c = cookies.find((x) => x.name === 'hl_session');
    assert(c, 'no session cookie');
    assert(c.httpOnly, 'not HttpOnly');
    assert(c.sameSite === 'Strict', 'SameSite ' + c.sameSite);
  });

  await page.evaluate(() => { window.__sameDocument = true; });

  await check('a text callback appears live', async () => {
    assert(await sms('CALLBACK', TEXTER) === 200, 'sms webhook failed');
    await page.locator('#rows tr', { hasText: '(817) 555-0177' }).waitFor({ timeout: 8000 });
  });

  let phoneId = 0;
  await check('a phone callback appears live, in its language and topic', async () => {
    phoneId = await phoneCallback(CALLER);
    const row = page.locator(`#rows tr[data-id="${phoneId}"]`);
    await row.waitFor({ timeout: 8000 });
    assert((await row.innerText()).includes('Spanish'), 'no language');
    assert((await row.innerText()).includes('stretches'), 'no topic');
  });

  await check('a second request shows in the same row, with a player for the voicemail', async () => {
    await coppellVoicemail(CALLER);
    const row = page.locator(`#rows tr[data-id="${phoneId}"]`);
    await row.getByText('Coppell voicemail').waitFor({ timeout: 8000 });
    const text = await row.innerText();
    assert(/Fort Worth callback, [^·]+ · Coppell voicemail, .+\(play\)/.test(text), 'requests line: ' + text);
    assert(text.includes('also Coppell'), 'no other location: ' + text);
    assert(await page.locator(`#rows tr:has-text("(817) 555-0178")`).count() === 1, 'more than one row');
    await row.getByRole('button', { name: /^Play voicemail from/ }).click();
    const audio = row.locator('audio');
    await audio.waitFor({ timeout: 5000 });
    const src = await audio.getAttribute('src');
    assert(src === '/api/v1/callbacks/' + phoneId + '/recording', 'audio src: ' + src);
    // Played through the service, which holds the provider's key.
    const got = await page.evaluate(async (u) => { const r = await fetch(u); return r.status + ' ' + r.headers.get('content-type'); }, src);
    assert(got === '200 audio/x-wav', 'voicemail through the service: ' + got);
  });

  await check('the page was never reloaded', async () => {
    assert(await page.evaluate(() => window.__sameDocument === true), 'reloaded');
  });

  const textId = Number(sql(`SELECT id FROM callbacks WHERE phone = '${TEXTER}'`));
  await check('claims with the mouse', async () => {
    const row = page.locator(`#rows tr[data-id="${textId}"]`);
    await row.getByRole('button', { name: `Claim callback ${textId}` }).click();
    await row.getByText('by you').waitFor({ timeout: 5000 });
    assert(sql(`SELECT claimed_by FROM callbacks WHERE id = ${textId}`) === 'alice', 'not claimed in store');
  });

  await check('claims with the keyboard', async () => {
    const btn = page.getByRole('button', { name: `Claim callback ${phoneId}` });
    await btn.focus();
    await page.keyboard.press('Enter');
    await page.locator(`#rows tr[data-id="${phoneId}"]`).getByText('by you').waitFor({ timeout: 5000 });
  });

  await check('a change made elsewhere (the command line) shows up live', async () => {
    const p = spawnSync(HOTLINE, ['--config', CONFIG, 'callbacks', 'done', String(phoneId), '--as', 'alice',
      '--outcome', 'no_answer'], { env, encoding: 'utf8' });
    assert(p.status === 0, 'hotline callbacks done: ' + p.stderr);
    const row = page.locator(`#rows tr[data-id="${phoneId}"]`);
    await row.getByRole('button', { name: `Claim callback ${phoneId}` }).waitFor({ timeout: 8000 });
    await row.getByText('last: no answer').waitFor({ timeout: 2000 });
  });

  await page.screenshot({ path: '/tmp/dashboard.png', fullPage: true });

  await check('marks a claimed callback done with an outcome', async () => {
    const row = page.locator(`#rows tr[data-id="${textId}"]`);
    await row.getByRole('button', { name: `Done callback ${textId}` }).click();
    await page.getByLabel('Outcome').selectOption('reached');
    await page.getByLabel('Note (optional, no diagnosis)').fill('Walked through knee-to-chest.');
    await page.getByRole('button', { name: 'Save' }).click();
    await row.waitFor({ state: 'detached', timeout: 5000 });
    assert(sql(`SELECT status || ':' || outcome FROM callbacks WHERE id = ${textId}`) === 'done:reached', 'not done in store');
    assert(sql(`SELECT text FROM callback_notes WHERE callback_id = ${textId}`) === 'Walked through knee-to-chest.', 'note not saved');
  });

  await check('no "could not be sent" section while every message went out', async () => {
    assert(await page.locator('#failed-view').isHidden(), 'failed section shown');
  });

  let guideIds = [];
  await check('a text the provider refuses shows up live under "could not be sent"', async () => {
    provider.refuse = true;
    // Two calls, two texts (a guide is one text): one retried by mouse,
    // one by keyboard below.
    guideIds = [...await textMeGuide(GUIDE_CALLER), ...await textMeGuide(GUIDE_CALLER)];
    const section = page.getByRole('region', { name: 'Messages that could not be sent' });
    await section.waitFor({ timeout: 10000 });
    for (const id of guideIds) {
      const row = page.locator(`#failed-rows tr[data-msg="${id}"]`);
      await row.waitFor({ timeout: 10000 });
      const text = await row.innerText();
      assert(text.includes('(817) 555-0179'), 'no recipient: ' + text);
      assert(text.includes('SMS (guide: stretches)'), 'no summary: ' + text);
      assert(text.includes('21211'), 'no error code: ' + text);
    }
    const bodies = provider.posts.filter((p) => p.form.To === GUIDE_CALLER).map((p) => p.form.Body);
    const shown = await section.innerText();
    for (const b of bodies) assert(!shown.includes(b.slice(0, 30)), 'the message body is on the dashboard');
    assert(await page.evaluate(() => window.__sameDocument === true), 'reloaded');
  });

  await page.screenshot({ path: '/tmp/dashboard-failed.png', fullPage: true });

  await check('Retry (mouse and keyboard) sends them again and the section goes away', async () => {
    provider.refuse = false;
    for (const [n, id] of guideIds.entries()) {
      const btn = page.getByRole('button', { name: new RegExp(`^Retry message ${id} `) });
      if (n % 2 === 0) await btn.click();
      else { await btn.focus(); await page.keyboard.press('Enter'); }
      await page.locator(`#failed-rows tr[data-msg="${id}"]`).waitFor({ state: 'detached', timeout: 8000 });
    }
    await page.locator('#failed-view').waitFor({ state: 'hidden', timeout: 5000 });
    await page.getByText(/sending again/).waitFor({ timeout: 2000 });
    for (let i = 0; i < 100; i++) {
      if (sql(`SELECT COUNT(*) FROM outbox WHERE id IN (${guideIds.join(',')}) AND status <> 'sent'`) === '0') break;
      await sleep(100);
    }
    assert(sql(`SELECT COUNT(*) FROM outbox WHERE id IN (${guideIds.join(',')}) AND status = 'sent'`) === String(guideIds.length), 'not sent');
    const resent = provider.posts.filter((p) => p.form.To === GUIDE_CALLER && !p.refused);
    assert(resent.length === guideIds.length, 'provider got ' + resent.length + ' texts');
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    assert(focused === 'queue-title', 'focus lost to ' + focused);
  });

  await check('a red flag shows its pages live, and a claim takes them', async () => {
    const flagger = '+18175550176';
    assert(await sms('I fell and my legs are numb', flagger) === 200, 'sms webhook failed');
    const row = page.locator('#rows tr', { hasText: '(817) 555-0176' });
    await row.getByText(/^Paged On-call clinician .+; next page /).waitFor({ timeout: 8000 });
    assert((await row.innerText()).includes('call expected within'), 'no estimate: ' + await row.innerText());
    const id = Number(sql(`SELECT id FROM callbacks WHERE phone = '${flagger}'`));
    await row.getByRole('button', { name: `Claim callback ${id}` }).click();
    await row.getByText(/^Page taken by alice /).waitFor({ timeout: 5000 });
  });

  await check('every form control has a label', async () => {
    const unlabeled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
      .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map((e) => e.id || e.name));
    assert(unlabeled.length === 0, 'unlabeled: ' + unlabeled.join(', '));
  });

  await check('no script errors', async () => {
    assert(errors.length === 0, errors.join('; '));
  });

  // --- the inbox and the person view ---------------------------------------
  const INBOX_TEXTER = '+18175550176';
  const FREE = 'my back hurts after running, what should I do?';
  const REPLY = 'Hi, this is Alice at the clinic: gentle walks help. Can we call you?';
  await check('a text no keyword answered appears live in the inbox', async () => {
    assert(await sms(FREE, INBOX_TEXTER) === 200, 'sms webhook failed');
    const item = page.locator('#inbox-items li', { hasText: '(817) 555-0176' });
    await item.waitFor({ timeout: 8000 });
    assert((await item.innerText()).includes(FREE), 'the text is not shown');
  });

  await check('a reply from the dashboard goes out once', async () => {
    const item = page.locator('#inbox-items li', { hasText: '(817) 555-0176' });
    await item.getByRole('button', { name: /^Reply to text \d+ from \(817\) 555-0176$/ }).click();
    await page.locator('#reply-conversation li', { hasText: FREE }).waitFor({ timeout: 5000 });
    await page.getByLabel(/^Your reply/).fill(REPLY);
    await page.getByRole('button', { name: 'Send reply' }).click();
    await item.getByText('answered').waitFor({ timeout: 8000 });
    for (let i = 0; i < 100 && !provider.posts.some((p) => p.form.To === INBOX_TEXTER); i++) await sleep(50);
    await sleep(300);
    const sent = provider.posts.filter((p) => p.form.To === INBOX_TEXTER);
    assert(sent.length === 1 && sent[0].form.Body === REPLY, 'provider got ' + sent.length + ' texts');
  });

  await check('the person view opens from the entry, and the view is audited', async () => {
    const item = page.locator('#inbox-items li', { hasText: '(817) 555-0176' });
    await item.getByRole('button', { name: 'Open the record of (817) 555-0176' }).click();
    const dlg = page.locator('#person-dialog');
    await dlg.locator('#person-events li', { hasText: REPLY }).waitFor({ timeout: 5000 });
    assert((await dlg.innerText()).includes(FREE), 'their text is not in the record');
    await dlg.getByRole('button', { name: 'Close' }).click();
    assert(sql(`SELECT actor || ' ' || action || ' ' || subject FROM audit_log WHERE action = 'person.view'`) ===
      'alice person.view ' + INBOX_TEXTER, 'no audit row');
  });

  // --- appointment requests -----------------------------------------------
  const BOOKER = '+18175550175';
  await check('an appointment asked for by text appears, and confirming texts the patient', async () => {
    assert(await sms('BOOK Allen, Tuesday morning, knee pain after running', BOOKER) === 200, 'sms webhook failed');
    const item = page.locator('#appt-items li', { hasText: 'knee pain after running' });
    await item.waitFor({ timeout: 8000 });
    assert(/New request \u00b7 Allen/.test(await item.innerText()), 'request: ' + await item.innerText());
    // A week after the pinned clock's day, on the clinic's clock.
    await item.getByLabel('Clinic', { exact: true }).selectOption('allen');
    await item.getByLabel('Date and time at the clinic').fill('2026-12-08T09:30');
    const before = provider.posts.filter((p) => p.form.To === BOOKER).length;
    await item.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#appt-status', { hasText: 'texted the patient' }).waitFor({ timeout: 8000 });
    for (let i = 0; i < 100 && provider.posts.filter((p) => p.form.To === BOOKER).length <= before; i++) await sleep(50);
    const sent = provider.posts.filter((p) => p.form.To === BOOKER).slice(before);
    assert(sent.length === 1 && /Allen/.test(sent[0].form.Body) && /9:30/.test(sent[0].form.Body),
      'confirmation: ' + sent.map((p) => p.form.Body).join(' | '));
    await page.getByLabel('Show requests').selectOption('confirmed');
    await page.locator('#appt-items li', { hasText: 'knee pain after running' }).getByText(/^Booked: /).waitFor({ timeout: 5000 });
  });

  await check('no script errors in the inbox or the person view', async () => {
    assert(errors.length === 0, errors.join('; '));
  });
} catch (e) {
  t.fail('setup: ' + e.message);
} finally {
  if (browser) await browser.close();
  const log = svc.log();
  await svc.stop();
  providerServer.close();
  if (log.includes(TEXTER) || log.includes(CALLER) || log.includes(GUIDE_CALLER) ||
      log.includes('+18175550176'))
    t.fail('a full phone number reached the log');
  t.report();
}
