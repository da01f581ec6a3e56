// Every guide page (GET /g/<guide>) in headless Chromium at a phone's size
// (390x844), in English and Spanish, against a real hotlined: no sideways
// scrolling, the stretches with their steps, hold times and drawings in
// view, and nothing fetched but the page itself.
// Prints "guides: N passed, N failed" last.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths, startHotlined, launchChromium, Tally } from './common.mjs';

const topSrc = paths.topSrc;
const t = new Tally('guides');
const check = (name, fn) => t.check(name, fn);
const assert = (cond, msg) => t.assert(cond, msg);

// The guides of the shipped guides.yaml, and which of them are
// collections (their page holds several stretches) or have a drawing.
function guides() {
  const text = readFileSync(join(topSrc, 'config', 'guides.yaml'), 'utf8');
  const body = text.slice(text.indexOf('\nguides:') + 8, text.indexOf('\npage:'));
  const out = [];
  for (const block of body.split(/\n(?=  [a-z0-9_]+:\s*\n)/)) {
    const m = /^\s*([a-z0-9_]+):\s*\n/.exec(block);
    if (!m) continue;
    const sub = /\n    guides: \[([^\]]*)\]/.exec(block);
    out.push({
      id: m[1],
      guides: sub ? sub[1].split(',').map((s) => s.trim()) : [],
      drawing: /\n    illustration:/.test(block),
      holds: /\{ ?pause: \d+ ?\}/.test(block),
    });
  }
  return out;
}

const svc = await startHotlined({ env: {
  HOTLINE_PROVIDER_API: 'http://127.0.0.1:1',
  TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32),
  TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789abcdef',
  HOTLINE_CLOCK: '2026-12-01T10:00:00-06:00@' + Math.floor(Date.now() / 1000),
} }).catch((e) => {
  t.fail('setup: ' + e.message);
  t.report();
  process.exit(1);
});
const base = svc.base;

let browser;
try {
  // A phone's screen.
  browser = await launchChromium(join(svc.work, 'chromium'), {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
  });
  const page = browser.pages()[0] || await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  let requests = [];
  page.on('request', (r) => requests.push(r.url()));

  const all = guides();
  await check('the shipped guides are found', async () => {
    assert(all.length >= 10, 'only ' + all.length + ' guides');
    assert(all.some((g) => g.id === 'stretches' && g.guides.length === 4), 'no stretches collection');
  });

  for (const g of all) {
    for (const lang of ['en', 'es']) {
      await check(`${g.id} (${lang}) fits a phone and shows its steps`, async () => {
        requests = [];
        problems.length = 0;
        const r = await page.goto(`${base}/g/${g.id}?lang=${lang}`);
        assert(r.status() === 200, 'status ' + r.status());
        assert(await page.evaluate(() => document.documentElement.lang) === lang, 'wrong language');
        // No sideways scrolling, at the top and all the way down.
        const widths = await page.evaluate(() => [document.documentElement.scrollWidth,
          document.body.scrollWidth, window.innerWidth]);
        assert(widths[0] <= widths[2] && widths[1] <= widths[2], 'scrolls sideways: ' + widths.join(' '));
        const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
          .map((e) => e.tagName + '.' + e.className).slice(0, 3));
        assert(wide.length === 0, 'wider than the screen: ' + wide.join(', '));
        // Each stretch: a heading (in a collection), steps, a drawing.
        const sections = page.locator('section.stretch');
        const want = g.guides.length || 1;
        assert(await sections.count() === want, `${await sections.count()} stretches, not ${want}`);
        for (let i = 0; i < want; i++) {
          const s = sections.nth(i);
          if (g.guides.length) assert(await s.locator('h2').isVisible(), 'no heading');
          const steps = s.locator('ol.steps > li');
          assert(await steps.count() >= 2, 'fewer than 2 steps');
          await steps.first().scrollIntoViewIfNeeded();
          assert(await steps.first().isVisible(), 'steps not shown');
          const own = g.guides.length ? all.find((x) => x.id === g.guides[i]) : g;
          if (own && own.drawing) {
            const pic = s.locator('figure.pic svg');
            assert(await pic.count() === 1, 'no drawing');
            await pic.scrollIntoViewIfNeeded();
            const box = await pic.boundingBox();
            assert(box && box.width >= 200 && box.height >= 80, 'drawing too small: ' + JSON.stringify(box));
            assert(box.x >= 0 && box.x + box.width <= 390.5, 'drawing off screen');
            const label = await s.locator('figure.pic').getAttribute('aria-label');
            assert(label && label.length > 5, 'drawing has no label');
          }
        }
        if (g.holds || g.guides.some((id) => (all.find((x) => x.id === id) || {}).holds)) {
          const hold = page.locator('.hold').first();
          await hold.scrollIntoViewIfNeeded();
          assert(await hold.isVisible(), 'no hold time shown');
          assert(/\d+/.test(await hold.innerText()), 'hold time without seconds');
        }
        // Large text for reading on a phone.
        const size = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('ol.steps li')).fontSize));
        assert(size >= 18, 'steps in ' + size + 'px text');
        assert(await page.locator('p.urgent').isVisible(), 'no emergency advice');
        assert(await page.locator('section.clinics li').count() >= 4, 'no clinics');
        // One request: the page (the browser may ask for a favicon).
        const others = requests.filter((u) => !u.endsWith('/favicon.ico'));
        assert(others.length === 1, 'requests: ' + others.join(' '));
        assert(problems.length === 0, 'console: ' + problems.join(' | '));
      });
    }
  }

  await check('the nearest clinic by ZIP code, without sideways scrolling', async () => {
    await page.goto(`${base}/g/stretches?lang=es`);
    await page.getByLabel('Su código postal').fill('75040');
    await page.getByRole('button', { name: 'Buscar la más cercana' }).click();
    await page.waitForURL(/zip=75040/);
    assert(/lang=es/.test(page.url()), 'language lost: ' + page.url());
    const first = page.locator('section.clinics li').first();
    assert((await first.locator('h3').innerText()) === 'Garland', 'Garland is not first');
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(w <= 390, 'scrolls sideways: ' + w);
  });

  await check('the other language is one tap away', async () => {
    await page.goto(`${base}/g/stretch_knee`);
    await page.getByRole('link', { name: 'Leer en español' }).click();
    await page.waitForURL(/lang=es/);
    assert(await page.locator('h1').innerText() === 'Rodilla al pecho', 'not the Spanish page');
  });
} catch (e) {
  t.fail('setup: ' + e.message);
} finally {
  if (browser) await browser.close();
  await svc.stop();
  t.report();
}
