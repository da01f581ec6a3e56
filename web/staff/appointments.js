// appointments.js -- the dashboard's appointment requests: the list from
// GET /api/v1/appointments, confirm (a date and time at a clinic, in the
// clinic's own time zone), cancel with a reason, and mark a missed visit.
// app.js hands over its API function at login ('hotline-login') and says
// when anything staff watch changed ('hotline-queue').
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const st = { api: null, me: null, items: [], busy: false, again: false };
  const WORDS = {
    requested: 'New request', confirmed: 'Confirmed', patient_confirmed: 'Confirmed by the patient',
    reschedule: 'Wants another time', cancelled: 'Cancelled', no_show: 'Missed',
  };

  function el(tag, props, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'onclick' || k === 'onsubmit') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }

  function loc(id) {
    return ((st.me && st.me.locations) || []).find((l) => l.id === id);
  }

  // The offset of zone at the instant t (ms), as "-06:00".
  function offset(zone, t) {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23',
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(t)).reduce((o, p) => (o[p.type] = p.value, o), {});
    const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
    const m = Math.round((wall - t) / 60000);
    const a = Math.abs(m);
    return (m < 0 ? '-' : '+') + String(Math.floor(a / 60)).padStart(2, '0') + ':' + String(a % 60).padStart(2, '0');
  }

  // "2026-12-04T09:30" on the clinic's clock -> ISO 8601 with its offset.
  function isoAt(local, zone) {
    const guess = Date.parse(local + ':00Z');
    let off = offset(zone, guess);
    const sign = off[0] === '-' ? -1 : 1;
    off = offset(zone, guess - sign * (parseInt(off.slice(1, 3), 10) * 60 + parseInt(off.slice(4), 10)) * 60000);
    return local + ':00' + off;
  }

  function when(iso, zone) {
    if (!iso) return '';
    return new Date(iso).toLocaleString(undefined, { timeZone: zone, weekday: 'short', month: 'short',
      day: 'numeric', hour: 'numeric', minute: '2-digit' });
  }

  async function load() {
    if (!st.api) return;
    if (st.busy) { st.again = true; return; }
    st.busy = true;
    try {
      const r = await st.api('GET', '/api/v1/appointments?status=' + encodeURIComponent($('a-status').value) + '&limit=200');
      if (r.status === 200) { st.items = r.data.items; render(); }
    } finally {
      st.busy = false;
      if (st.again) { st.again = false; load(); }
    }
  }

  function render() {
    const ul = $('appt-items');
    ul.replaceChildren(...st.items.map(item));
    $('appt-empty').hidden = st.items.length !== 0;
  }

  function item(it) {
    const l = loc(it.location);
    const zone = (l && l.timezone) || undefined;
    const who = it.phone + (it.language === 'es' ? ' \u00b7 Spanish' : '');
    const lines = [
      el('strong', {}, (WORDS[it.status] || it.status) + ' \u00b7 ' + (l ? l.name : it.location || 'any clinic')),
      el('div', {}, who + ' \u00b7 ' + (it.new_patient === true ? 'new patient' : it.new_patient === false ? 'returning' : 'new or returning not said') +
        ' \u00b7 by ' + (it.channel === 'voice' ? 'phone' : 'text') + ' \u00b7 asked ' + when(it.created_at, zone)),
      el('div', {}, 'Prefers: ' + (it.preferred || 'any time') + ' \u00b7 Reason: ' + (it.reason || 'not said')),
    ];
    if (it.start) lines.push(el('div', {}, 'Booked: ' + when(it.start, zone)));
    if (it.note) lines.push(el('div', { class: 'said' }, 'They wrote: ' + it.note));
    if (it.fhir_id || it.fhir_outcome)
      lines.push(el('div', { class: 'small' }, 'Scheduling system: ' + (it.fhir_id ? 'Appointment/' + it.fhir_id + ' ' : '') + (it.fhir_outcome || '')));
    const acts = el('div', { class: 'actions' });
    if (['requested', 'reschedule', 'confirmed', 'patient_confirmed'].includes(it.status))
      acts.append(confirmForm(it, l));
    if (['confirmed', 'patient_confirmed'].includes(it.status))
      acts.append(el('button', { type: 'button', 'data-key': 'appt:' + it.id + ':no-show', onclick: () => act(it, 'no-show') }, 'Missed'));
    if (!['cancelled', 'no_show'].includes(it.status))
      acts.append(el('button', { type: 'button', 'data-key': 'appt:' + it.id + ':cancel', onclick: () => {
        const reason = prompt('Why is it cancelled? (texted to the patient)');
        if (reason) act(it, 'cancel', { reason });
      } }, 'Cancel'));
    return el('li', { 'data-appointment': String(it.id), class: it.status }, ...lines, acts);
  }

  function confirmForm(it, l) {
    const sel = el('select', { 'aria-label': 'Clinic' });
    for (const x of (st.me.locations || [])) sel.add(new Option(x.name, x.id, false, l && x.id === l.id));
    const at = el('input', { type: 'datetime-local', 'aria-label': 'Date and time at the clinic', required: '' });
    return el('form', { class: 'appt-confirm', onsubmit: (ev) => {
      ev.preventDefault();
      const zone = (loc(sel.value) || {}).timezone || 'America/Chicago';
      if (at.value) act(it, 'confirm', { start: isoAt(at.value.slice(0, 16), zone), location: sel.value });
    } }, sel, at, el('button', { type: 'submit', class: 'primary', 'data-key': 'appt:' + it.id + ':confirm' }, 'Confirm'));
  }

  async function act(it, action, body) {
    const r = await st.api('POST', '/api/v1/appointments/' + it.id + '/' + action, body || {});
    $('appt-status').textContent = r.status === 200
      ? 'Done: ' + action + (r.data.texted ? ' (texted the patient)' : ' (not texted: opted out)')
      : 'Could not ' + action + ': ' + ((r.data && r.data.error) || r.status);
    load();
  }

  document.addEventListener('hotline-login', (ev) => { st.api = ev.detail.api; st.me = ev.detail.me; load(); });
  document.addEventListener('hotline-queue', load);
  document.addEventListener('DOMContentLoaded', () => $('a-status').addEventListener('change', load));
})();
