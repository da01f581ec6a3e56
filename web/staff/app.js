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
    const topics = $('f-topic');
    while (topics.options.length > 1) topics.remove(1);
    for (const id of Object.keys(me.topics || {})) topics.add(new Option(topicLabel(id), id));
    show('queue');
    listen();
    load();
    loadInbox();
    document.dispatchEvent(new CustomEvent('hotline-login', { detail: { api, me } }));
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

  // Filters: a choice applies at once; the number search once typing
  // pauses; "Clear filters" puts every field back.
  let typing = null;
  $('filters').addEventListener('change', load);
  $('filters').addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  $('filters').addEventListener('reset', () => setTimeout(load, 0));
  $('f-q').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(load, 250);
  });

  // The filters as the API's parameters: location, status, topic, from and
  // to (days on the location's clock), q (the last digits of the number,
  // two at least: one digit would match a tenth of everyone).
  function filters() {
    const digits = $('f-q').value.replace(/\D/g, '');
    const f = { status: $('f-status').value, location: $('f-location').value, topic: $('f-topic').value,
      from: $('f-from').value, to: $('f-to').value, q: digits.length >= 2 ? digits : '' };
    if (f.from && f.to && f.from > f.to) [f.from, f.to] = [f.to, f.from];
    return f;
  }

  // The server filters by status and location.  Until it also filters by
  // topic, date and number, the fetched list is filtered here the same way.
  function matches(it, f) {
    if (f.topic && (it.topic || 'general') !== f.topic &&
        !(it.requests || []).some((q) => q.topic === f.topic)) return false;
    if (f.q && !(it.phone || '').replace(/\D/g, '').endsWith(f.q)) return false;
    if (f.from || f.to) {
      const day = localDate(it.created_at, it.location);
      if (f.from && day < f.from) return false;
      if (f.to && day > f.to) return false;
    }
    return true;
  }

  // YYYY-MM-DD of iso on the location's clock.
  function localDate(iso, loc) {
    const d = new Date(iso);
    if (isNaN(d)) return '';
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zoneOf(loc),
      year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d).map((x) => [x.type, x.value]));
    return p.year + '-' + p.month + '-' + p.day;
  }

  function filtered() {
    const f = filters();
    return Object.values(f).slice(1).some(Boolean);
  }

  function listen() {
    if (state.events) state.events.close();
    const es = new EventSource('/api/v1/events');
    state.events = es;
    es.addEventListener('queue', () => {
      setLive(true); load(); loadInbox();
      document.dispatchEvent(new Event('hotline-queue'));
    });
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
      const f = filters();
      const q = new URLSearchParams({ status: f.status, limit: '200' });
      for (const k of ['location', 'topic', 'from', 'to', 'q']) if (f[k]) q.set(k, f[k]);
      const [r, m] = await Promise.all([
        api('GET', '/api/v1/callbacks?' + q.toString()),
        api('GET', '/api/v1/messages?status=failed&limit=200'),
      ]);
      if (r.status === 401 || m.status === 401) { location.reload(); return; }
      if (r.status === 200) {
        const f = filters();
        state.items = r.data.items.filter((it) => matches(it, f));
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
    $('empty').textContent = filtered() ? 'Nothing matches these filters.'
      : 'Nobody is waiting. New requests appear here by themselves.';
    if (focused) {
      const again = tbody.querySelector('[data-key="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }
  }

  function row(it) {
    const mine = it.claimed_by === state.me.name;
    const open = it.status === 'waiting' || it.status === 'claimed';
    const tr = el('tr', { 'data-id': String(it.id), class: (it.priority > 0 ? 'red ' : '') + (mine ? 'mine' : '') });
    const wait = el('td', { class: 'c-wait', 'data-label': 'Waiting' },
      el('div', { text: 'waited ' + minutes(it.waited_minutes || 0) }),
      open && it.position > 0 && it.estimate ? el('div', { class: 'small', text: 'call expected ' + it.estimate.text }) : null,
      it.retry_after ? el('div', { class: 'small', text: 'retry after ' + clock(it.retry_after, it.location) }) : null);
    const who = el('td', { class: 'c-who' }, personLink(it.phone, it.location),
      el('div', { class: 'cbid', text: 'Callback #' + it.id }),
      el('div', { class: 'small', text: 'via ' + (it.source || '?') + (it.preferred_window ? ', prefers ' + it.preferred_window : '') }));
    const topic = el('td', { class: 'c-topic' }, el('div', { class: 'topic', text: topicLabel(it.topic) }), requestList(it));
    if (it.notes && it.notes.length) {
      const ul = el('ul', { class: 'notes', 'aria-label': 'Notes' });
      for (const n of it.notes) ul.append(el('li', { text: noteWords(n, it.location) }));
      topic.append(ul);
    }
    const status = el('td', { class: 'c-status', 'data-label': 'Status' }, el('span', { class: 'badge ' + it.status, text: it.status }),
      escalationLine(it.escalation, it.location),
      it.claimed_by ? el('div', { class: 'small', text: mine ? 'by you' : 'by ' + it.claimed_by }) : null,
      it.outcome ? el('div', { class: 'small', text: 'last: ' + it.outcome.replace('_', ' ') }) : null);
    tr.append(
      el('td', { class: 'c-line', 'data-label': 'In line', text: open && it.position > 0 ? String(it.position) : '-', 'aria-label': open && it.position > 0 ? 'place in line ' + it.position : 'not in line' }),
      wait,
      el('td', { class: 'c-prio' }, it.priority > 0 ? el('span', { class: 'badge red', text: 'Red flag' }) : el('span', { class: 'badge normal', text: 'Normal' })),
      who,
      el('td', { class: 'c-lang', 'data-label': 'Language', text: LANGS[it.language] || it.language }),
      topic,
      el('td', { class: 'c-loc', 'data-label': 'Location' }, el('div', { text: locationName(it.location) }), alsoAt(it)),
      el('td', { class: 'c-tries', 'data-label': 'Tries', text: String(it.attempts) }),
      status,
      el('td', { class: 'c-act' }, actions(it, mine)));
    return tr;
  }

  // Where a red flag's pages stand: "Paged On-call clinician 7:05 PM;
  // next page 7:15 PM", "Page taken by maria 7:07 PM".
  function escalationLine(esc, loc) {
    if (!esc) return null;
    const paged = (esc.pages || []).map((p) => p.contact + ' ' + clock(p.at, loc)).join(', ');
    let text;
    if (esc.status === 'acknowledged') {
      text = 'Page taken by ' + esc.acknowledged_by + ' ' + clock(esc.acknowledged_at, loc);
    } else if (esc.status === 'paging') {
      text = 'Paged ' + paged + (esc.next_page_at ? '; next page ' + clock(esc.next_page_at, loc) : '');
    } else {
      text = 'Pages unanswered: ' + paged;
    }
    return el('div', { class: 'small escalation' + (esc.status === 'paging' || esc.status === 'unanswered' ? ' red-text' : ''), text: text });
  }

  // Times are shown on the location's clock (loc: its id; none: the
  // first of the staff member's locations), whatever the browser's zone.
  function clock(iso, loc) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit', timeZone: zoneOf(loc) });
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
      box.append(el('span', { class: 'req' + (q.reason === 'red_flag' ? ' red-text' : ''), text: requestWords(q) + ', ' + clock(q.at, q.location || it.location) }));
      if (q.recording_url) box.append(' ', player(it, q));
    });
    // The provider's words for the voicemail, when they have come.
    if (it.transcription && it.transcription.trim()) box.append(el('div', { class: 'said', text: 'Voicemail: \u201c' + it.transcription + '\u201d' }));
    // The reason in the person's words: what they texted or said.
    for (const q of reqs) {
      if (q.text && q.text.trim()) box.append(el('div', { class: 'said' + (q.reason === 'red_flag' ? ' red-text' : ''), text: '\u201c' + q.text + '\u201d' }));
    }
    return box;
  }

  // The service plays an entry's latest voicemail itself (the provider
  // wants the account's key, GET /api/v1/callbacks/{id}/recording); an
  // older one of the same entry is the provider's address.
  function voicemailSrc(it, q) {
    const withAudio = (it.requests || []).filter((r) => r.recording_url)
      .sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : y.id - x.id));
    if (it.recording && withAudio.length && withAudio[0].id === q.id) return it.recording;
    return q.recording_url + '.mp3';
  }

  // "(play)" opens a player for that voicemail, kept across redraws.
  function player(it, q) {
    const have = state.audio.get(q.id);
    if (have) return have;
    const label = 'Play voicemail from ' + clock(q.at) + ' (callback ' + it.id + ')';
    const b = el('button', { type: 'button', class: 'link', 'data-key': 'play:' + q.id, 'aria-label': label,
      onclick: () => {
        const a = el('audio', { controls: '', preload: 'none', src: voicemailSrc(it, q), 'aria-label': 'Voicemail from ' + clock(q.at) });
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

  function when(iso, loc) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleString([], { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: zoneOf(loc) });
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
    const why = el('td', { class: 'error-text', 'data-label': 'Why it failed' },
      m.error_code && !(m.last_error || '').includes(String(m.error_code)) ? el('div', { text: 'Error ' + m.error_code }) : null,
      el('div', { class: 'small', text: m.last_error || 'unknown' }));
    const retry = el('button', {
      type: 'button', class: 'primary', 'data-key': 'msg:' + m.id + ':retry',
      'aria-label': 'Retry message ' + m.id + ' (' + m.summary + ' to ' + to + ')',
      onclick: () => retryMessage(m),
    }, 'Retry');
    return el('tr', { 'data-msg': String(m.id) },
      el('td', { 'data-label': 'Message #', text: String(m.id) }),
      el('td', { 'data-label': 'Message', text: m.summary }),
      el('td', { class: 'nowrap', 'data-label': 'To', text: to }),
      el('td', { 'data-label': 'Tries', text: String(m.attempts) }),
      why,
      el('td', { class: 'nowrap', 'data-label': 'Last try', text: when(m.updated_at) }),
      el('td', { class: 'c-act' }, el('div', { class: 'actions' }, retry)));
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

  // --- readable entries: topic labels, time zones, notes -----------------

  function zoneOf(loc) {
    const ls = (state.me && state.me.locations) || [];
    const l = ls.find((x) => x.id === loc) || ls[0];
    return (l && l.timezone) || undefined;
  }

  // The topic's label from the configuration, in the staff's language.
  function topicLabel(id) {
    const t = (state.me && state.me.topics && state.me.topics[id || 'general']) || null;
    if (!t) return id || 'general';
    const lang = (navigator.language || 'en').slice(0, 2);
    return t[lang] || t.en || Object.values(t)[0] || id;
  }

  function noteWords(n, loc) {
    return n.author + (n.at ? ', ' + when(n.at, loc) : '') + ': ' + n.text;
  }

  // --- inbox ---------------------------------------------------------------

  const inbox = { items: [], busy: false, again: false };

  async function loadInbox() {
    if (inbox.busy) { inbox.again = true; return; }
    inbox.busy = true;
    try {
      const r = await api('GET', '/api/v1/inbox?status=' + encodeURIComponent($('i-status').value) + '&limit=200');
      if (r.status === 401) { location.reload(); return; }
      if (r.status === 200) {
        inbox.items = r.data.items;
        renderInbox();
      } else {
        announce('Could not load the texts: ' + ((r.data && r.data.error) || r.status), true);
      }
    } finally {
      inbox.busy = false;
      if (inbox.again) { inbox.again = false; loadInbox(); }
    }
  }

  $('i-status').addEventListener('change', loadInbox);

  function renderInbox() {
    const ul = $('inbox-items');
    const active = document.activeElement;
    const focused = active && active.dataset && ul.contains(active) ? active.dataset.key : null;
    ul.replaceChildren();
    for (const it of inbox.items) ul.append(inboxItem(it));
    $('inbox-empty').hidden = inbox.items.length !== 0;
    if (focused) {
      const again = ul.querySelector('[data-key="' + CSS.escape(focused) + '"]');
      if (again) again.focus(); else $('inbox-title').focus();
    }
  }

  function inboxItem(it) {
    const label = 'text ' + it.id + ' from ' + phone(it.phone);
    const box = el('div', { class: 'actions' });
    if (it.status !== 'done') {
      box.append(el('button', { type: 'button', class: 'primary', 'data-key': 'inbox:' + it.id + ':reply', 'aria-label': 'Reply to ' + label, onclick: () => openReply(it) }, 'Reply'));
      box.append(el('button', { type: 'button', 'data-key': 'inbox:' + it.id + ':done', 'aria-label': 'Mark ' + label + ' done', onclick: () => inboxDone(it) }, 'Done'));
    }
    return el('li', { 'data-inbox': String(it.id), class: it.status },
      el('div', { class: 'meta' },
        personLink(it.phone, it.location),
        el('span', { class: 'small', text: when(it.received_at, it.location) }),
        el('span', { class: 'small', text: (LANGS[it.language] || it.language || '') + (it.channel === 'whatsapp' ? ', WhatsApp' : ', SMS') }),
        el('span', { class: 'small', text: locationName(it.location) }),
        el('span', { class: 'badge ' + it.status, text: it.status === 'replied' ? 'answered' : it.status }),
        it.replies ? el('span', { class: 'small', text: it.replies === 1 ? '1 reply' : it.replies + ' replies' }) : null),
      el('div', { class: 'said', text: '\u201c' + it.body + '\u201d' }),
      box);
  }

  async function inboxDone(it) {
    const r = await api('POST', '/api/v1/inbox/' + it.id + '/done', {});
    if (r.status === 401) { location.reload(); return; }
    if (r.status >= 200 && r.status < 300) announce('Text from ' + phone(it.phone) + ' marked done.');
    else announce('Not marked done: ' + ((r.data && r.data.error) || ('error ' + r.status)), true);
    loadInbox();
  }

  function conversationLine(c, loc) {
    const who = c.direction === 'in' ? 'They wrote' : (c.author || 'Staff') + ' replied';
    return el('li', { class: c.direction }, el('div', { class: 'small', text: who + ', ' + when(c.at, loc) }), el('div', { text: c.body }));
  }

  async function openReply(it) {
    const conv = $('reply-conversation');
    conv.replaceChildren();
    $('reply-title').textContent = 'Reply to ' + phone(it.phone);
    openDialog('reply-dialog', it, (fd) => sendReply(it, (fd.get('body') || '').trim()));
    $('reply-count').textContent = '';
    const r = await api('GET', '/api/v1/inbox/' + it.id);
    if (r.status === 200) for (const c of r.data.conversation || []) conv.append(conversationLine(c, it.location));
  }

  $('reply-text').addEventListener('input', () => {
    const n = new TextEncoder().encode($('reply-text').value).length;
    $('reply-count').textContent = n + ' of 600';
  });

  async function sendReply(it, body) {
    if (!body) return;
    const r = await api('POST', '/api/v1/inbox/' + it.id + '/reply', { body });
    if (r.status === 401) { location.reload(); return; }
    if (r.status === 202) announce('Reply to ' + phone(it.phone) + ' is on its way.');
    else if (r.status === 409) announce(phone(it.phone) + ' opted out of texts: nothing was sent. Call them instead if needed.', true);
    else announce('Reply not sent: ' + ((r.data && r.data.error) || ('error ' + r.status)), true);
    loadInbox();
  }

  // --- the person ---------------------------------------------------------

  // The number, as a button that opens everything on record for it.
  function personLink(p, loc) {
    return el('button', { type: 'button', class: 'link nowrap', 'data-key': 'person:' + p, 'aria-label': 'Open the record of ' + phone(p),
      onclick: () => openPerson(p, loc) }, phone(p));
  }

  const OUTCOMES = { reached: 'reached', left_message: 'left a message', no_answer: 'no answer', busy: 'busy', failed: 'call failed', wrong_number: 'wrong number', cancelled: 'no longer needed' };

  function eventLine(e, loc) {
    const at = when(e.at, e.location || loc);
    let head = '', body = '';
    switch (e.kind) {
      case 'call':
        head = 'Call' + (e.duration != null ? ', ' + Math.round(e.duration / 60 * 10) / 10 + ' min' : '') + (e.status ? ' (' + e.status + ')' : '');
        body = (e.path || []).map((s) => s.node + (s.input ? ' [' + s.input + ']' : '')).join(' \u2192 ') +
          (e.locations && e.locations.length ? ' \u00b7 ' + e.locations.map(locationName).join(', ') : '');
        break;
      case 'text':
        head = e.direction === 'in'
          ? (e.inbox_item ? 'Text for a person (' + (e.inbox_status === 'replied' ? 'answered' : e.inbox_status) + ')' : 'Text from them')
          : 'Text to them' + (e.keyword ? ' (' + e.keyword + ')' : '');
        body = e.body || '';
        break;
      case 'reply':
        head = 'Reply by ' + (e.author || 'staff');
        body = e.body || '';
        break;
      case 'callback':
        head = 'Callback #' + e.id + ': ' + topicLabel(e.topic) + ', ' + e.status + (e.outcome ? ', ' + (OUTCOMES[e.outcome] || e.outcome) : '') +
          (e.attempts ? ', ' + e.attempts + ' tries' : '');
        body = (e.requests || []).map((q) => requestWords(q) + ', ' + when(q.at, q.location || loc) + (q.text ? ': \u201c' + q.text + '\u201d' : '')).join(' \u00b7 ');
        break;
      case 'voicemail':
        head = 'Voicemail (callback #' + e.callback + ')';
        body = e.text || '';
        break;
      case 'appointment':
        head = 'Appointment request #' + e.id + ' (' + e.status.replace('_', ' ') + ')' + (e.location ? ', ' + locationName(e.location) : '');
        body = [e.preferred, e.reason, e.start ? 'booked ' + when(e.start, e.location || loc) : null, e.note].filter(Boolean).join(' \u00b7 ');
        break;
      case 'note':
        head = 'Note by ' + e.author + ' (callback #' + e.callback + ')';
        body = e.text || '';
        break;
      default:
        head = e.kind;
    }
    return el('li', { class: e.direction === 'out' ? 'out' : '' },
      el('div', { class: 'small', text: at + ' \u00b7 ' + head }), body ? el('div', { text: body }) : null);
  }

  async function openPerson(p, loc) {
    const list = $('person-events');
    list.replaceChildren();
    $('person-title').textContent = phone(p);
    $('person-summary').textContent = 'Loading...';
    openDialog('person-dialog', null, () => {});
    const r = await api('GET', '/api/v1/people/' + encodeURIComponent(p));
    if (r.status === 401) { location.reload(); return; }
    if (r.status !== 200) {
      $('person-summary').textContent = 'Could not load: ' + ((r.data && r.data.error) || r.status);
      return;
    }
    const d = r.data;
    $('person-summary').textContent = (LANGS[d.language] || d.language || 'Language unknown') +
      (d.opted_out ? ' \u00b7 opted out of texts' : '') + ' \u00b7 ' + d.events.length + ' entries on record (this view is logged)';
    for (const e of d.events) list.append(eventLine(e, loc));
  }

  start().catch((e) => announce('Could not start: ' + e.message, true));
})();
