// The staff dashboard on a phone (390x844, touch) in headless Chromium
// against a real hotlined: the queue is a list of cards that never scrolls
// sideways, claim / call / done are fingertip-sized buttons, the filters
// (topic, date, last digits of the number) narrow the list, a text for a
// person is answered from the inbox and reaches the provider, the person
// view opens from an entry; then the same page at desktop size is still a
// table with the same filters.
// Prints "mobile: N passed, N failed" last.
import { join } from 'node:path';
import {
  sleep, startHotlined, launchChromium, Tally, startProvider, sendSms, sqlite, addStaff, logIn, voiceCall,
  ACCOUNT_SID, AUTH_TOKEN,
} from './common.mjs';

const TEXTER = '+18175550181';
const FLAGGER = '+18175550182';
const FREE_TEXTER = '+18175550183';
const GUIDE_CALLER = '+18175550184';
const STAFF_PHONE = '+18175550142';
const PHONE = { width: 390, height: 844 };

const t = new Tally('mobile');
const check = (name, fn) => t.check(name, fn);
const assert = (cond, msg) => t.assert(cond, msg);

const provider = await startProvider();
// A Tuesday morning, open; the clock anchored to the real second now.
const svc = await startHotlined({ env: {
  HOTLINE_PROVIDER_API: provider.url,
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  HOTLINE_CLOCK: '2026-12-01T10:00:00-06:00@' + Math.floor(Date.now() / 1000),
} }).catch(async (e) => {
  await provider.close();
  t.fail('setup: ' + e.message);
  t.report();
  process.exit(1);
});
const { base, env, store, work } = svc;
const sql = (q) => sqlite(store, q);

// Nothing wider than the screen: the page does not scroll sideways.
async function noSideScroll(page, where) {
  const w = await page.evaluate(() => ({ scroll: document.scrollingElement.scrollWidth, inner: innerWidth }));
  assert(w.scroll <= w.inner, where + ': page is ' + w.scroll + ' px wide on a ' + w.inner + ' px screen');
}

// fn again when the dashboard redrew the entry under it (a live update).
async function settled(fn) {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= 5 || !/not attached|detached/.test(String(e && e.message))) throw e;
      await sleep(100);
    }
  }
}

// A button a fingertip can hit, entirely on the screen.
async function touchSized(button, what) {
  let b = null;
  for (let i = 0; i < 5 && !b; i++) {
    b = await settled(async () => {
      await button.scrollIntoViewIfNeeded({ timeout: 2000 });
      return button.boundingBox({ timeout: 2000 });
    });
  }
  assert(b, what + ' is not shown');
  assert(b.height >= 44 && b.width >= 44, what + ' is ' + Math.round(b.width) + 'x' + Math.round(b.height) + ' px');
  assert(b.x >= 0 && b.x + b.width <= PHONE.width, what + ' is off the screen (x ' + Math.round(b.x) + ')');
}

let browser;
try {
  addStaff(env, 'alice', 'mobile-pass-1234', '--phone', STAFF_PHONE, '--locations', '*');
  browser = await launchChromium(join(work, 'chromium'), { viewport: PHONE, isMobile: true, hasTouch: true });
  const page = browser.pages()[0] || await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await check('the login form fits a phone', async () => {
    await page.goto(base + '/staff');
    await page.getByLabel('Username').waitFor({ timeout: 5000 });
    await noSideScroll(page, 'login');
    await touchSized(page.getByRole('button', { name: 'Log in' }), 'Log in');
  });

  await logIn(page, base, 'alice', 'mobile-pass-1234');
  // A guide first: the callback is then about its topic (stretches).
  assert(await sendSms(base, TEXTER, 'STRETCH') === 200, 'sms webhook failed');
  assert(await sendSms(base, TEXTER, 'CALLBACK') === 200, 'sms webhook failed');
  assert(await sendSms(base, FLAGGER, 'I fell and my legs are numb') === 200, 'sms webhook failed');
  const textId = Number(sql(`SELECT id FROM callbacks WHERE phone = '${TEXTER}'`));
  const flagId = Number(sql(`SELECT id FROM callbacks WHERE phone = '${FLAGGER}'`));

  await check('the queue is a list of cards with what staff need', async () => {
    const card = page.locator(`#rows tr[data-id="${flagId}"]`);
    await card.waitFor({ timeout: 8000 });
    await page.locator(`#rows tr[data-id="${textId}"]`).waitFor({ timeout: 8000 });
    assert(await page.locator('#queue thead').isHidden() ||
      (await page.locator('#queue thead').boundingBox()).height <= 1, 'the table header is shown');
    const display = await page.evaluate((id) => getComputedStyle(document.querySelector(`#rows tr[data-id="${id}"]`)).display, flagId);
    assert(display === 'flex', 'an entry is drawn as ' + display + ', not a card');
    const text = await card.innerText();
    assert(text.includes('Callback #' + flagId), 'no callback id: ' + text);
    // The place in line is its own cell, named by the card ("In line: 1").
    const line = await settled(() => card.locator('td.c-line').evaluate((e) =>
      getComputedStyle(e, '::before').content + e.textContent));
    assert(/^"In line: "\d+$/.test(line), 'no place in line apart from the id: ' + line);
    assert(text.includes('\u201cI fell and my legs are numb\u201d'), 'not in their words: ' + text);
    assert(!/\bred_flag\b/.test(text), 'a raw topic id: ' + text);
    assert(/\d{1,2}:\d\d\s?[AP]M/.test(text), 'no time of the request: ' + text);
    const box = await card.boundingBox();
    assert(box.x >= 0 && box.x + box.width <= PHONE.width, 'the card is wider than the screen');
    await noSideScroll(page, 'queue');
  });

  await page.screenshot({ path: '/tmp/dashboard-phone.png', fullPage: true });

  await check('claims by a touch-sized button', async () => {
    const card = page.locator(`#rows tr[data-id="${textId}"]`);
    const claim = card.getByRole('button', { name: `Claim callback ${textId}` });
    await touchSized(claim, 'Claim');
    await claim.tap();
    await card.getByText('by you').waitFor({ timeout: 5000 });
    assert(sql(`SELECT claimed_by FROM callbacks WHERE id = ${textId}`) === 'alice', 'not claimed in store');
  });

  await check('calls by a touch-sized button: the staff phone rings', async () => {
    const card = page.locator(`#rows tr[data-id="${textId}"]`);
    const call = card.getByRole('button', { name: `Call now callback ${textId}` });
    await touchSized(call, 'Call now');
    await call.tap();
    for (let i = 0; i < 100 && !provider.posts.some((p) => p.path.endsWith('/Calls.json')); i++) await sleep(50);
    const calls = provider.posts.filter((p) => p.path.endsWith('/Calls.json'));
    assert(calls.length === 1 && calls[0].form.To === STAFF_PHONE, 'provider got ' + calls.length + ' calls');
  });

  await check('a note shows with its author and time', async () => {
    const card = page.locator(`#rows tr[data-id="${textId}"]`);
    const note = card.getByRole('button', { name: `Note callback ${textId}` });
    await touchSized(note, 'Note');
    await note.tap();
    await page.getByLabel('Note', { exact: true }).fill('Texted back, will call at noon.');
    await page.getByRole('button', { name: 'Add note' }).tap();
    await card.getByText(/^alice, \w{3} \d{1,2}, \d{1,2}:\d\d\s?[AP]M: Texted back, will call at noon\.$/).waitFor({ timeout: 5000 });
  });

  await check('marks done by touch-sized buttons, the dialog on the screen', async () => {
    const card = page.locator(`#rows tr[data-id="${textId}"]`);
    const done = card.getByRole('button', { name: `Done callback ${textId}` });
    await touchSized(done, 'Done');
    await done.tap();
    await page.getByLabel('Outcome').selectOption('reached');
    await noSideScroll(page, 'done dialog');
    const save = page.getByRole('button', { name: 'Save' });
    await touchSized(save, 'Save');
    await save.tap();
    await card.waitFor({ state: 'detached', timeout: 5000 });
    assert(sql(`SELECT status || ':' || outcome FROM callbacks WHERE id = ${textId}`) === 'done:reached', 'not done in store');
  });

  await check('filters by the last digits of a number, topic and date', async () => {
    const rows = page.locator('#rows tr');
    const show = page.getByLabel('Show', { exact: true });
    const clear = async () => {
      await page.getByRole('button', { name: 'Clear filters' }).tap();
      await show.selectOption('all');
      await page.locator(`#rows tr[data-id="${textId}"]`).waitFor({ timeout: 5000 });
      await page.locator(`#rows tr[data-id="${flagId}"]`).waitFor({ timeout: 5000 });
    };
    await show.selectOption('all');
    await page.locator(`#rows tr[data-id="${textId}"]`).waitFor({ timeout: 5000 });
    await page.getByLabel('Number ends in').fill('0181');
    await page.locator(`#rows tr[data-id="${flagId}"]`).waitFor({ state: 'detached', timeout: 5000 });
    assert(await rows.count() === 1, 'last digits: ' + await rows.count() + ' entries');
    await page.getByLabel('Number ends in').fill('9999');
    await page.getByText('Nothing matches these filters.').waitFor({ timeout: 5000 });
    await clear();
    const topic = sql(`SELECT topic FROM callbacks WHERE id = ${textId}`);
    assert(topic === 'stretches', 'the callback is about ' + topic);
    await page.getByLabel('Topic').selectOption(topic);
    await page.locator(`#rows tr[data-id="${flagId}"]`).waitFor({ state: 'detached', timeout: 5000 });
    assert(await rows.count() === 1, 'topic: ' + await rows.count() + ' entries');
    await clear();
    // The entries were asked today on the clinic's clock (the pinned
    // 1 December): the day before shows nothing, the day itself both.
    await page.getByLabel('Asked until').fill('2026-11-30');
    await page.getByText('Nothing matches these filters.').waitFor({ timeout: 5000 });
    await page.getByLabel('Asked from').fill('2026-12-01');
    await page.getByLabel('Asked until').fill('2026-12-01');
    await page.locator(`#rows tr[data-id="${textId}"]`).waitFor({ timeout: 5000 });
    assert(await rows.count() === 2, 'the day: ' + await rows.count() + ' entries');
    await noSideScroll(page, 'filters');
    await page.getByRole('button', { name: 'Clear filters' }).tap();
  });

  const FREE = 'my knee clicks on stairs after a long run, is that bad?';
  const REPLY = 'Hi, this is Alice at the clinic. Can we call you this afternoon?';
  await check('a text for a person is answered from the inbox on a phone', async () => {
    assert(await sendSms(base, FREE_TEXTER, FREE) === 200, 'sms webhook failed');
    const item = page.locator('#inbox-items li', { hasText: '(817) 555-0183' });
    await item.waitFor({ timeout: 8000 });
    assert((await item.innerText()).includes(FREE), 'the text is not shown');
    await noSideScroll(page, 'inbox');
    const reply = item.getByRole('button', { name: /^Reply to text \d+ from \(817\) 555-0183$/ });
    await touchSized(reply, 'Reply');
    const before = provider.posts.filter((p) => p.form.To === FREE_TEXTER).length;
    await reply.tap();
    await page.locator('#reply-conversation li', { hasText: FREE }).waitFor({ timeout: 5000 });
    await noSideScroll(page, 'reply dialog');
    await page.screenshot({ path: '/tmp/dashboard-phone-reply.png' });
    await page.getByLabel(/^Your reply/).fill(REPLY);
    await page.getByRole('button', { name: 'Send reply' }).tap();
    await item.getByText('answered').waitFor({ timeout: 8000 });
    let sent = [];
    for (let i = 0; i < 100; i++) {
      sent = provider.posts.filter((p) => p.form.To === FREE_TEXTER).slice(before);
      if (sent.some((p) => p.form.Body === REPLY)) break;
      await sleep(50);
    }
    await sleep(300);
    sent = provider.posts.filter((p) => p.form.To === FREE_TEXTER && p.form.Body === REPLY);
    assert(sent.length === 1, 'provider got the reply ' + sent.length + ' times');
  });

  await check('the person view opens from a queue card and fits the screen', async () => {
    const card = page.locator(`#rows tr[data-id="${flagId}"]`);
    const open = card.getByRole('button', { name: 'Open the record of (817) 555-0182' });
    await touchSized(open, 'the number');
    await open.tap();
    const dlg = page.locator('#person-dialog');
    await dlg.locator('#person-events li', { hasText: 'I fell and my legs are numb' }).first().waitFor({ timeout: 5000 });
    const box = await dlg.boundingBox();
    assert(box.x >= 0 && box.x + box.width <= PHONE.width, 'the record is wider than the screen');
    await noSideScroll(page, 'person view');
    await page.screenshot({ path: '/tmp/dashboard-phone-person.png' });
    await touchSized(dlg.getByRole('button', { name: 'Close' }), 'Close');
    await dlg.getByRole('button', { name: 'Close' }).tap();
    assert(sql(`SELECT COUNT(*) FROM audit_log WHERE actor = 'alice' AND subject = '${FLAGGER}'`) === '1', 'no audit row');
  });

  await check('a text that could not be sent is a card with a touch-sized Retry', async () => {
    provider.refuse = true;
    // From the phone menu: "text me" (6), stretches (1).
    await voiceCall(base, GUIDE_CALLER, ['6', '1']);
    const id = Number(sql(`SELECT id FROM outbox WHERE recipient = '${GUIDE_CALLER}' ORDER BY id LIMIT 1`));
    const card = page.locator(`#failed-rows tr[data-msg="${id}"]`);
    await card.waitFor({ timeout: 10000 });
    const text = await card.innerText();
    assert(text.includes('(817) 555-0184') && text.includes('21211'), 'card: ' + text);
    assert(await page.evaluate((i) => getComputedStyle(document.querySelector(`#failed-rows tr[data-msg="${i}"]`)).display, id) === 'flex',
      'not a card');
    await noSideScroll(page, 'failed messages');
    provider.refuse = false;
    const retry = page.getByRole('button', { name: new RegExp(`^Retry message ${id} `) });
    await touchSized(retry, 'Retry');
    await retry.tap();
    await card.waitFor({ state: 'detached', timeout: 8000 });
    for (let i = 0; i < 100 && sql(`SELECT status FROM outbox WHERE id = ${id}`) !== 'sent'; i++) await sleep(100);
    assert(sql(`SELECT status FROM outbox WHERE id = ${id}`) === 'sent', 'not sent again');
  });

  await check('every form control still has a label', async () => {
    const unlabeled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
      .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map((e) => e.id || e.name));
    assert(unlabeled.length === 0, 'unlabeled: ' + unlabeled.join(', '));
  });

  await check('the keyboard still claims on a phone-sized screen', async () => {
    const btn = page.getByRole('button', { name: `Claim callback ${flagId}` });
    await btn.focus();
    await page.keyboard.press('Enter');
    await page.locator(`#rows tr[data-id="${flagId}"]`).getByText('by you').waitFor({ timeout: 5000 });
  });

  await check('at desktop size it is still a table, filters included', async () => {
    await page.setViewportSize({ width: 1280, height: 760 });
    assert(await page.locator('#queue thead').isVisible(), 'no table header');
    const display = await page.evaluate((id) => getComputedStyle(document.querySelector(`#rows tr[data-id="${id}"]`)).display, flagId);
    assert(display === 'table-row', 'an entry is drawn as ' + display);
    await page.getByLabel('Number ends in').fill('0182');
    await page.locator(`#rows tr[data-id="${textId}"]`).waitFor({ state: 'detached', timeout: 5000 });
    assert(await page.locator('#rows tr').count() === 1, 'last digits at desktop size');
    await page.getByRole('button', { name: 'Clear filters' }).click();
  });

  await check('no script errors', async () => {
    assert(errors.length === 0, errors.join('; '));
  });
} catch (e) {
  t.fail('setup: ' + e.message);
} finally {
  if (browser) await browser.close();
  const log = svc.log();
  await svc.stop();
  await provider.close();
  for (const p of [TEXTER, FLAGGER, FREE_TEXTER, GUIDE_CALLER]) if (log.includes(p)) t.fail('a full phone number reached the log');
  t.report();
}
