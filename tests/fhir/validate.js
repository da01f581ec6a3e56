// validate.js -- reads FHIR R4 resources (a JSON array) on stdin and
// validates each against the core R4 (4.0.0) structure definitions with
// FHIR.js (the `fhir` npm package), unexpected elements being errors.
// Prints one JSON line per resource and exits 1 when any is invalid.
'use strict';
const { Fhir } = require('fhir');

let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const fhir = new Fhir();
  let bad = 0;
  for (const res of JSON.parse(input)) {
    const r = fhir.validate(res, { errorOnUnexpected: true });
    const errors = r.messages.filter((m) => m.severity === 'error');
    if (!r.valid || errors.length > 0)
      bad++;
    console.log(JSON.stringify({ valid: r.valid && errors.length === 0,
      messages: r.messages }));
  }
  process.exit(bad > 0 ? 1 : 0);
});
