// Staff dashboard: log in, show the callback queue and the messages that
// could not be sent, act on them, and refresh when the server says
// something changed (Server-Sent Events).
// Everything shown is set with textContent: caller data is never HTML.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  // audio: the voicemail players opened, by request id, kept across redraws
  // so that a queue update does not stop a message being played.
  const state = { me: null, csrf: null, loginCsrf: null, items: [], msgs: [], events: null, busy: false, again: false, audio: new Map() };
  const LANGS = { en: 'English', es: 'Spanish' };

  function announce(text, bad) {
    const el = $('announce');
    el.textContent = text;
    el.classList.toggle('bad', !!bad);
  }

  async function api(method, path, body, extraHeaders) {
    const headers = Object.assign({ 'Accept': 'application/json' }, extraHeaders || {});
    if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
    const opts = { method, headers, credentials: 'same-origin' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(path, opts);
    let data = null;
    const ct = res.headers.get('Content-Type') || '';
    if (ct.startsWith('application/json')) data = await res.json();
    else if (res.status !== 204) data = { error: (await res.text()).trim() };
    return { status: res.status, data, retryAfter: res.headers.get('Retry-After') };
  }

  function show(view) {
    $('login-view').hidden = view !== 'login';
    $('queue-view').hidden = view !== 'queue';
    $('who').hidden = view !== 'queue';
  }

  async function start() {
    const r = await api('GET', '/api/v1/session');
    if (r.status === 200) return loggedIn(r.data);
    state.loginCsrf = r.data && r.data.login_csrf;
    show('login');
    $('username').focus();
  }

  function loggedIn(me) {
    state.me = me;
    state.csrf = me.csrf;
    $('who-name').textContent = me.name;
    const sel = $('f-location');
    while (sel.options.length > 2) sel.remove(2);
    for (const l of me.locations) sel.add(new Option(l.name, l.id));
    show('queue');
    listen();
    load();
  }

  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('login-error').textContent = '';
    const username = $('username').value.trim();
    const password = $('password').value;
    if (!username || !password) {
      $('login-error').textContent = 'Enter your username and password.';
      return;
    }
    const r = await api('POST', '/api/v1/login', { username, password },
      { 'X-CSRF-Token': state.loginCsrf || '' });
    if (r.status === 200) {
      $('password').value = '';
      loggedIn(r.data);
      return;
    }
    if (r.status === 403) {
      // The login token expired with the page: fetch a new one, try once more.
      const s = await api('GET', '/api/v1/session');
      state.loginCsrf = s.data && s.data.login_csrf;
    }
    $('login-error').textContent = r.status === 429
      ? 'Too many failed attempts from here. Try again in ' +
        Math.max(1, Math.ceil(Number(r.retryAfter || 60) / 60)) + ' minute(s).'
      : r.status === 401 ? 'Wrong username or password.' : 'Could not log in: ' + ((r.data && r.data.error) || r.status);
  });

  $('logout').addEventListener('click', async () => {
    await api('POST', '/api/v1/logout');
    if (state.events) state.events.close();
    location.reload();
  });

  $('filters').addEventListener('change', load);
  $('filters').addEventListener('submit', (ev) => { ev.preventDefault(); load(); });

  function listen() {
    if (state.events) state.events.close();
    const es = new EventSource('/api/v1/events');
    state.events = es;
    es.addEventListener('queue', () => { setLive(true); load(); });
    es.addEventListener('open', () => setLive(true));
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) {
        setLive(false);
        // A refused stream (session expired): check and show the login.
        setTimeout(async () => {
          const r = await api('GET', '/api/v1/session');
          if (r.status === 200) listen(); else location.reload();
        }, 3000);
      }
    });
  }

  function setLive(on) {
    $('live-dot').classList.toggle('on', on);
    $('live').textContent = on ? 'Live: updates appear by themselves' : 'Reconnecting...';
  }

  async function load() {
    // One request at a time; a change during it triggers one more.
    if (state.busy) { state.again = true; return; }
    state.busy = true;
    try {
      const q = new URLSearchParams({ status: $('f-status').value, limit: '200' });
      if ($('f-location').value) q.set('location', $('f-location').value);
      const [r, m] = await Promise.all([
        api('GET', '/api/v1/callbacks?' + q.toString()),
        api('GET', '/api/v1/messages?status=failed&limit=200'),
      ]);
      if (r.status === 401 || m.status === 401) { location.reload(); return; }
      if (r.status === 200) {
        state.items = r.data.items;
        render();
      } else {
        announce('Could not load the queue: ' + ((r.data && r.data.error) || r.status), true);
      }
      if (m.status === 200) {
        state.msgs = m.data.items;
        renderMessages();
      }
    } finally {
      state.busy = false;
      if (state.again) { state.again = false; load(); }
    }
  }

  function el(tag, props, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const kid of kids) if (kid != null) e.append(kid);
    return e;
  }

  function phone(p) {
    const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(p || '');
    return m ? '(' + m[1] + ') ' + m[2] + '-' + m[3] : (p || '');
  }

  function locationName(id) {
    if (!id) return 'Shared';
    const l = (state.me.locations || []).find((x) => x.id === id);
    // A location this account does not work: its id in words.
    return l ? l.name : id.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
  }

  function minutes(n) {
    return n === 1 ? '1 min' : n + ' min';
  }

  function render() {
    const tbody = $('rows');
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.key : null;
    tbody.replaceChildren();
    const shown = new Set(state.items.flatMap((it) => (it.requests || []).map((q) => q.id)));
    for (const id of state.audio.keys()) if (!shown.has(id)) state.audio.delete(id);
    for (const it of state.items) tbody.append(row(it));
    $('empty').hidden = state.items.length !== 0;
    if (focused) {
      const again = tbody.querySelector('[data-key="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }
  }

  function row(it) {
    const mine = it.claimed_by === state.me.name;
    const open = it.status === 'waiting' || it.status === 'claimed';
    const tr = el('tr', { 'data-id': String(it.id), class: (it.priority > 0 ? 'red ' : '') + (mine ? 'mine' : '') });
    const wait = el('td', null,
      el('div', { text: 'waited ' + minutes(it.waited_minutes || 0) }),
      open && it.position > 0 && it.estimate ? el('div', { class: 'small', text: 'call expected ' + it.estimate.text }) : null,
      it.retry_after ? el('div', { class: 'small', text: 'retry after ' + new Date(it.retry_after).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' }) }) : null);
    const who = el('td', null, el('div', { class: 'nowrap', text: phone(it.phone) }),
      el('div', { class: 'small', text: 'via ' + (it.source || '?') + (it.preferred_window ? ', prefers ' + it.preferred_window : '') }));
    const topic = el('td', null, el('div', { text: it.topic || 'general' }), requestList(it));
    if (it.notes && it.notes.length) {
      const ul = el('ul', { class: 'notes', 'aria-label': 'Notes' });
      for (const n of it.notes) ul.append(el('li', { text: n.author + ': ' + n.text }));
      topic.append(ul);
    }
    const status = el('td', null, el('span', { class: 'badge ' + it.status, text: it.status }),
      escalationLine(it.escalation),
      it.claimed_by ? el('div', { class: 'small', text: mine ? 'by you' : 'by ' + it.claimed_by }) : null,
      it.outcome ? el('div', { class: 'small', text: 'last: ' + it.outcome.replace('_', ' ') }) : null);
    tr.append(
      el('td', { text: open && it.position > 0 ? String(it.position) : '-' }),
      wait,
      el('td', null, it.priority > 0 ? el('span', { class: 'badge red', text: 'Red flag' }) : el('span', { class: 'badge normal', text: 'Normal' })),
      who,
      el('td', { text: LANGS[it.language] || it.language }),
      topic,
      el('td', null, el('div', { text: locationName(it.location) }), alsoAt(it)),
      el('td', { text: String(it.attempts) }),
      status,
      el('td', null, actions(it, mine)));
    return tr;
  }

  // Where a red flag's pages stand: "Paged On-call clinician 7:05 PM;
  // next page 7:15 PM", "Page taken by maria 7:07 PM".
  function escalationLine(esc) {
    if (!esc) return null;
    const paged = (esc.pages || []).map((p) => p.contact + ' ' + clock(p.at)).join(', ');
    let text;
    if (esc.status === 'acknowledged') {
      text = 'Page taken by ' + esc.acknowledged_by + ' ' + clock(esc.acknowledged_at);
    } else if (esc.status === 'paging') {
      text = 'Paged ' + paged + (esc.next_page_at ? '; next page ' + clock(esc.next_page_at) : '');
    } else {
      text = 'Pages unanswered: ' + paged;
    }
    return el('div', { class: 'small escalation' + (esc.status === 'paging' || esc.status === 'unanswered' ? ' red-text' : ''), text: text });
  }

  function clock(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
  }

  // One request in words: "Coppell voicemail", "callback by text", ...
  function requestWords(q) {
    const what = q.reason === 'voicemail' ? 'voicemail'
      : q.reason === 'red_flag' ? (q.channel === 'sms' ? 'red flag by text' : 'red flag on a call')
      : q.channel === 'sms' ? 'callback by text' : 'callback';
    const s = (q.location ? locationName(q.location) + ' ' : '') + what;
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  // Every request the entry holds, oldest first, on one line:
  // "Fort Worth callback, 10:02 · Coppell voicemail, 10:05 (play)".
  function requestList(it) {
    const reqs = it.requests || [];
    if (!reqs.length) return null;
    const box = el('div', { class: 'requests small', 'aria-label': reqs.length === 1 ? 'Request' : reqs.length + ' requests' });
    reqs.forEach((q, i) => {
      if (i) box.append(' \u00b7 ');
      box.append(el('span', { class: 'req' + (q.reason === 'red_flag' ? ' red-text' : ''), text: requestWords(q) + ', ' + clock(q.at) }));
      if (q.recording_url) box.append(' ', player(it, q));
    });
    for (const q of reqs) {
      if (q.reason === 'red_flag' && q.text) box.append(el('div', { class: 'said', text: '\u201c' + q.text + '\u201d' }));
    }
    return box;
  }

  // "(play)" opens a player for that voicemail, kept across redraws.
  function player(it, q) {
    const have = state.audio.get(q.id);
    if (have) return have;
    const label = 'Play voicemail from ' + clock(q.at) + ' (callback ' + it.id + ')';
    const b = el('button', { type: 'button', class: 'link', 'data-key': 'play:' + q.id, 'aria-label': label,
      onclick: () => {
        const a = el('audio', { controls: '', preload: 'none', src: q.recording_url + '.mp3', 'aria-label': 'Voicemail from ' + clock(q.at) });
        state.audio.set(q.id, a);
        b.replaceWith(a);
        a.play().catch(() => {});
        a.focus();
      } }, '(play)');
    return b;
  }

  // The other locations this entry's requests name: their staff see it too.
  function alsoAt(it) {
    const others = (it.locations || []).filter((l) => l !== it.location);
    return others.length ? el('div', { class: 'small', text: 'also ' + others.map(locationName).join(', ') }) : null;
  }

  function button(it, label, action, cls, handler) {
    return el('button', {
      type: 'button', class: cls || '', 'data-key': it.id + ':' + action, 'data-action': action,
      'aria-label': label + ' callback ' + it.id,
      onclick: handler || (() => act(it, action))
    }, label);
  }

  function actions(it, mine) {
    const box = el('div', { class: 'actions' });
    if (it.status === 'waiting') box.append(button(it, 'Claim', 'claim', 'primary'));
    if ((it.status === 'waiting' || mine) && state.me.has_phone && (it.status === 'waiting' || it.status === 'claimed')) {
      box.append(button(it, 'Call now', 'call'));
    }
    if (mine && it.status === 'claimed') {
      box.append(button(it, 'Done', 'done', 'primary', () => openDone(it)));
      box.append(button(it, 'Release', 'release', 'danger'));
    }
    box.append(button(it, 'Note', 'note', '', () => openNote(it)));
    return box;
  }

  async function act(it, action, body) {
    const r = await api('POST', '/api/v1/callbacks/' + it.id + '/' + action, body || {});
    if (r.status >= 200 && r.status < 300) {
      const words = { claim: 'claimed', release: 'released', done: 'recorded', note: 'note added', call: 'calling your phone now' };
      announce('Callback ' + it.id + ': ' + words[action] + '.');
    } else if (r.status === 409) {
      const who = r.data && r.data.item && r.data.item.claimed_by;
      announce('Callback ' + it.id + ' is already taken' + (who ? ' by ' + who : '') + '.', true);
    } else if (r.status === 401) {
      location.reload();
      return;
    } else {
      announce('Callback ' + it.id + ': ' + ((r.data && r.data.error) || ('error ' + r.status)), true);
    }
    load();
  }

  function when(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleString([], { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
  }

  // The failed messages: hidden while there are none.
  function renderMessages() {
    const tbody = $('failed-rows');
    const active = document.activeElement;
    const focused = active && active.dataset ? active.dataset.key : null;
    const hadFocus = !!(focused && focused.startsWith('msg:') && tbody.contains(active));
    tbody.replaceChildren();
    for (const m of state.msgs) tbody.append(messageRow(m));
    $('failed-view').hidden = state.msgs.length === 0;
    if (hadFocus) {
      const again = tbody.querySelector('[data-key="' + CSS.escape(focused) + '"]') ||
        tbody.querySelector('button');
      if (again) again.focus();
      else if (!$('failed-view').hidden) $('failed-title').focus();
      else $('queue-title').focus();
    }
  }

  function messageRow(m) {
    const to = m.recipient && m.recipient.includes('@') ? m.recipient : phone(m.recipient);
    const why = el('td', { class: 'error-text' },
      m.error_code && !(m.last_error || '').includes(String(m.error_code)) ? el('div', { text: 'Error ' + m.error_code }) : null,
      el('div', { class: 'small', text: m.last_error || 'unknown' }));
    const retry = el('button', {
      type: 'button', class: 'primary', 'data-key': 'msg:' + m.id + ':retry',
      'aria-label': 'Retry message ' + m.id + ' (' + m.summary + ' to ' + to + ')',
      onclick: () => retryMessage(m),
    }, 'Retry');
    return el('tr', { 'data-msg': String(m.id) },
      el('td', { text: String(m.id) }),
      el('td', { text: m.summary }),
      el('td', { class: 'nowrap', text: to }),
      el('td', { text: String(m.attempts) }),
      why,
      el('td', { class: 'nowrap', text: when(m.updated_at) }),
      el('td', null, el('div', { class: 'actions' }, retry)));
  }

  async function retryMessage(m) {
    const r = await api('POST', '/api/v1/messages/' + m.id + '/retry', {});
    if (r.status === 401) { location.reload(); return; }
    if (r.status >= 200 && r.status < 300) {
      announce('Message ' + m.id + ' (' + m.summary + '): sending again.');
    } else {
      announce('Message ' + m.id + ' was not retried: ' + ((r.data && r.data.error) || ('error ' + r.status)), true);
    }
    load();
  }

  function openDialog(id, it, onOk) {
    const dlg = $(id);
    const form = dlg.querySelector('form');
    form.reset();
    const opener = document.activeElement;
    dlg.returnValue = '';
    dlg.onclose = () => {
      if (dlg.returnValue === 'ok') onOk(new FormData(form));
      if (opener && opener.isConnected) opener.focus();
    };
    dlg.showModal();
  }

  function openDone(it) {
    $('done-title').textContent = 'Finish callback ' + it.id;
    openDialog('done-dialog', it, (fd) => {
      const body = { outcome: fd.get('outcome') };
      const note = (fd.get('note') || '').trim();
      if (note) body.note = note;
      act(it, 'done', body);
    });
  }

  function openNote(it) {
    $('note-title').textContent = 'Add a note to callback ' + it.id;
    openDialog('note-dialog', it, (fd) => {
      const text = (fd.get('text') || '').trim();
      if (text) act(it, 'note', { text });
    });
  }

  start().catch((e) => announce('Could not start: ' + e.message, true));
})();
