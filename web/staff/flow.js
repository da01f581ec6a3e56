// The phone tree page (/staff/flow): the report's funnel over the period
// in the address (?from=&to=, the clinic's days; 30 days by default),
// written on the drawing under each node and in the table beside it.
// Staff only: without a session the page says so and shows the drawing.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';

  function plural(n, one, many) {
    return n + ' ' + (n === 1 ? one : many);
  }

  function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  // Under each drawn node: "12 callers, 3 hung up".  Graphviz gives each
  // node a <g class="node"> whose <title> is the node's id.
  function annotate(byNode) {
    for (const old of document.querySelectorAll('svg .funnel-count')) old.remove();
    for (const g of document.querySelectorAll('svg g.node')) {
      const title = g.querySelector('title');
      const shape = g.querySelector('polygon, ellipse, path');
      if (!title || !shape) continue;
      // The menu's own nodes only: actions and branches are drawn too.
      const n = byNode.get(title.textContent.trim());
      if (!n) continue;
      const box = shape.getBBox();
      const t = document.createElementNS(SVG, 'text');
      t.setAttribute('class', 'funnel-count');
      t.setAttribute('x', String(box.x + box.width / 2));
      t.setAttribute('y', String(box.y + box.height + 11));
      t.setAttribute('text-anchor', 'middle');
      t.textContent = plural(n.callers, 'caller', 'callers') + ', ' + n.hung_up_here + ' hung up';
      g.append(t);
    }
  }

  async function load() {
    const asked = new URLSearchParams(location.search);
    const q = new URLSearchParams();
    for (const k of ['from', 'to']) if (asked.get(k)) q.set(k, asked.get(k));
    const status = $('funnel-status');
    status.textContent = 'Loading the numbers...';
    const res = await fetch('/api/v1/flow/funnel?' + q.toString(),
      { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (res.status === 401) {
      status.replaceChildren('How many callers reached each step is for staff: ',
        Object.assign(document.createElement('a'), { href: '/staff/', textContent: 'log in' }),
        ', then come back.');
      return;
    }
    const data = await res.json().catch(() => ({}));
    if (res.status !== 200) {
      status.textContent = 'The numbers could not be read: ' + (data.error || res.status);
      return;
    }
    $('p-from').value = data.from || '';
    $('p-to').value = data.to || '';
    const period = (data.from ? data.from : 'the start') + ' to ' + data.to + ' (' + data.timezone + ')';
    status.textContent = plural(data.calls, 'call', 'calls') + ' from ' + period + '.';
    $('funnel-caption').textContent = 'Calls that started from ' + period;
    const byNode = new Map(data.nodes.map((n) => [n.node, n]));
    const rows = $('funnel-rows');
    rows.replaceChildren();
    for (const n of data.nodes) {
      const tr = document.createElement('tr');
      tr.dataset.node = n.node;
      tr.append(cell(n.node), cell(String(n.callers), 'n'), cell(String(n.hung_up_here), 'n'),
        cell(n.reach_pct == null ? '-' : n.reach_pct + '%', 'n'));
      rows.append(tr);
    }
    $('funnel-table').hidden = data.calls === 0;
    annotate(byNode);
  }

  load().catch((e) => { $('funnel-status').textContent = 'The numbers could not be read: ' + e.message; });
})();
