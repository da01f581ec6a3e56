// The dashboard's phone tree (GET /staff/flow) in headless Chromium against
// a real hotlined: the drawing of the shipped menu is on the page, every
// node of flow.yaml in it, reached from the dashboard's link, with no
// script errors and nothing fetched from elsewhere; the funnel's numbers
// (callers who reached each node, hang-ups there) are for staff: a visitor
// is asked to log in, a staff member sees them under the nodes and in the
// table beside the drawing, and can pick the period.
// Prints "flow: N passed, N failed" last.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  paths, sleep, startHotlined, launchChromium, Tally, addStaff, logIn, voiceCall,
  ACCOUNT_SID, AUTH_TOKEN,
} from './common.mjs';

const t = new Tally('flow');
const check = (name, fn) => t.check(name, fn);
const assert = (cond, msg) => t.assert(cond, msg);

// The node names of the shipped flow.yaml.
function nodeIds() {
  const text = readFileSync(join(paths.topSrc, 'config', 'flow.yaml'), 'utf8');
  const body = text.slice(text.indexOf('\nnodes:') + 7);
  return [...body.matchAll(/^  ([a-z_]+):\s*$/gm)].map((m) => m[1]);
}

// A Tuesday morning, the clock anchored to the real second now.
const svc = await startHotlined({ env: {
  HOTLINE_PROVIDER_API: 'http://127.0.0.1:1',
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  HOTLINE_CLOCK: '2026-12-01T10:00:00-06:00@' + Math.floor(Date.now() / 1000),
} }).catch((e) => {
  t.fail('setup: ' + e.message);
  t.report();
  process.exit(1);
});
const { base, env, work } = svc;

let browser;
try {
  // Drawn off the loop after start: wait for the drawing.
  let drawn = false;
  for (let i = 0; i < 100 && !drawn; i++) {
    drawn = (await (await fetch(base + '/staff/flow')).text()).includes('<svg');
    if (!drawn) await sleep(100);
  }
  // Three callers: two hang up at the main menu, one presses 1 and hangs
  // up in what it leads to.
  await voiceCall(base, '+18175550191');
  await voiceCall(base, '+18175550192');
  await voiceCall(base, '+18175550193', ['1']);
  addStaff(env, 'alice', 'flow-pass-12345', '--locations', '*');

  browser = await launchChromium(join(work, 'chromium'));
  const page = browser.pages()[0] || await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));

  await check('the dashboard links to the phone tree', async () => {
    await page.goto(base + '/staff/');
    await page.getByRole('link', { name: 'Phone tree' }).click();
    await page.waitForURL(/\/staff\/flow$/);
    assert(await page.locator('h1').innerText() === 'Phone tree', 'not the phone tree page');
  });

  await check('the drawing shows every node of the menu', async () => {
    problems.length = 0;
    requests.length = 0;
    await page.goto(base + '/staff/flow');
    const svg = page.locator('svg').first();
    assert(await svg.isVisible(), 'no drawing on the page');
    const box = await svg.boundingBox();
    assert(box && box.width > 300 && box.height > 50, 'drawing too small: ' + JSON.stringify(box));
    const titles = await page.locator('svg g.node > title').allTextContents();
    for (const id of nodeIds()) assert(titles.includes(id), 'node ' + id + ' not drawn');
    const text = await svg.textContent();
    assert(text.includes('Fort Worth'), 'the clinic choices are not drawn');
  });

  await check('a visitor is asked to log in for the numbers', async () => {
    await page.getByText('How many callers reached each step is for staff').waitFor({ timeout: 5000 });
    assert(await page.locator('svg .funnel-count').count() === 0, 'numbers without a log-in');
    // The refused numbers are the only complaint.
    const other = problems.filter((p) => !/status of 401/.test(p));
    assert(other.length === 0, 'errors: ' + other.join('; '));
    const elsewhere = requests.filter((u) => !u.startsWith(base + '/'));
    assert(elsewhere.length === 0, 'fetched from elsewhere: ' + elsewhere.join(' '));
  });

  await logIn(page, base, 'alice', 'flow-pass-12345');

  await check('staff see callers and hang-ups on the drawing and beside it', async () => {
    problems.length = 0;
    await page.goto(base + '/staff/flow');
    await page.getByText(/^3 calls from \d{4}-\d\d-\d\d to 2026-12-01 \(America\/Chicago\)\.$/).waitFor({ timeout: 5000 });
    const main = page.locator('#funnel-rows tr[data-node="main"] td');
    assert(JSON.stringify(await main.allTextContents()) === JSON.stringify(['main', '3', '2', '100%']),
      'main row: ' + await main.allTextContents());
    const mainCount = page.locator('svg g.node', { has: page.locator('title', { hasText: /^main$/ }) }).locator('.funnel-count');
    assert(await mainCount.textContent() === '3 callers, 2 hung up', 'on the drawing: ' + await mainCount.textContent());
    // Every node is numbered, zero included.
    assert(await page.locator('svg .funnel-count').count() === nodeIds().length, 'not every node numbered');
    const hung = await page.locator('#funnel-rows tr td:nth-child(3)').allTextContents();
    assert(hung.reduce((a, b) => a + Number(b), 0) === 3, 'every call ends once: ' + hung);
    assert(await page.getByLabel('From').inputValue() !== '', 'the period is not shown');
    assert(problems.length === 0, 'errors: ' + problems.join('; '));
  });

  await page.screenshot({ path: '/tmp/flow-numbers.png', fullPage: true });

  await check('the period can be chosen', async () => {
    await page.getByLabel('From').fill('2026-11-01');
    await page.getByLabel('Until').fill('2026-11-30');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/from=2026-11-01&to=2026-11-30$/);
    await page.getByText('0 calls from 2026-11-01 to 2026-11-30 (America/Chicago).').waitFor({ timeout: 5000 });
    assert(await page.locator('#funnel-table').isHidden(), 'a table of nothing');
    assert(await page.locator('svg .funnel-count', { hasText: '0 callers, 0 hung up' }).count() === nodeIds().length,
      'the drawing still shows other numbers');
  });

  await check('the page fits a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const w = await page.evaluate(() => ({ scroll: document.scrollingElement.scrollWidth, inner: innerWidth }));
    assert(w.scroll <= w.inner, 'page is ' + w.scroll + ' px wide');
  });
} catch (e) {
  t.fail('setup: ' + e.message);
} finally {
  if (browser) await browser.close();
  await svc.stop();
  t.report();
}
