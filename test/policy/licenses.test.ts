import { test } from 'node:test';
import assert from 'node:assert/strict';
import { licenseTerms, licenseUrl, normalizeLicense } from '../../src/policy/licenses.js';

const TABLE: Array<[string | undefined, string]> = [
  // SPDX ids in any case
  ['CC-BY-4.0', 'CC-BY-4.0'],
  ['cc-by-nc-sa-4.0', 'CC-BY-NC-SA-4.0'],
  ['CC0-1.0', 'CC0-1.0'],
  ['mit', 'MIT'],
  ['Apache-2.0', 'Apache-2.0'],
  // Creative Commons names and abbreviations
  ['CC BY 4.0', 'CC-BY-4.0'],
  ['CC BY-SA 3.0', 'CC-BY-SA-3.0'],
  ['CC BY-NC-ND 2.0', 'CC-BY-NC-ND-2.0'],
  ['cc_by_nc_2.5', 'CC-BY-NC-2.5'],
  ['Creative Commons Attribution 4.0 International', 'CC-BY-4.0'],
  ['Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International License', 'CC-BY-NC-SA-4.0'],
  ['Creative Commons Attribution-NoDerivatives 4.0', 'CC-BY-ND-4.0'],
  ['Creative Commons Attribution-NonCommercial-NoDerivs 3.0 Unported', 'CC-BY-NC-ND-3.0'],
  ['Attribution-NonCommercial-ShareAlike License', 'CC-BY-NC-SA-4.0'],
  ['by-nc-sa', 'CC-BY-NC-SA-4.0'],
  ['cc by-sa', 'CC-BY-SA-4.0'],
  ['CC-BY-SA-3.0-DE', 'CC-BY-SA-3.0'],
  ['© Jane Doe, CC BY 4.0', 'CC-BY-4.0'],
  ['CC BY-ND-SA 4.0', 'unknown'],
  ['CC BY 5.0', 'unknown'],
  ['Creative Commons', 'unknown'],
  // URLs
  ['https://creativecommons.org/licenses/by-nc/4.0/', 'CC-BY-NC-4.0'],
  ['http://creativecommons.org/licenses/by-sa/2.0/fr/deed.en', 'CC-BY-SA-2.0'],
  ['https://creativecommons.org/licenses/by-nd/3.0', 'CC-BY-ND-3.0'],
  ['https://creativecommons.org/publicdomain/zero/1.0/', 'CC0-1.0'],
  ['https://creativecommons.org/publicdomain/mark/1.0/', 'public-domain'],
  ['https://opensource.org/licenses/MIT', 'MIT'],
  ['https://www.apache.org/licenses/LICENSE-2.0', 'Apache-2.0'],
  ['https://spdx.org/licenses/CC-BY-NC-4.0.html', 'CC-BY-NC-4.0'],
  // yt-dlp strings
  ['Creative Commons Attribution license (reuse allowed)', 'CC-BY-3.0'],
  ['Standard YouTube License', 'proprietary'],
  // other spellings
  ['Public Domain', 'public-domain'],
  ['publicdomain', 'public-domain'],
  ['CC Zero', 'CC0-1.0'],
  ['cc0', 'CC0-1.0'],
  ['The MIT License', 'MIT'],
  ['Apache License, Version 2.0', 'Apache-2.0'],
  ['All rights reserved', 'proprietary'],
  ['Copyright 2021 ACME Corp', 'proprietary'],
  ['© ACME', 'proprietary'],
  ['proprietary', 'proprietary'],
  // nothing usable
  [undefined, 'unknown'],
  ['', 'unknown'],
  ['  N/A ', 'unknown'],
  ['see website', 'unknown'],
  ['licensed by the author', 'unknown'],
];

test('normalizeLicense maps names, URLs and yt-dlp strings to SPDX ids', () => {
  for (const [raw, expected] of TABLE) assert.equal(normalizeLicense(raw), expected, `normalizeLicense(${JSON.stringify(raw)})`);
});

test('normalizeLicense is idempotent on its own output', () => {
  for (const [, id] of TABLE) assert.equal(normalizeLicense(id), id);
});

test('licenseTerms follows the licence elements', () => {
  assert.deepEqual(licenseTerms('CC-BY-4.0'), { commercial: true, derivatives: true, attribution: true, shareAlike: false });
  assert.deepEqual(licenseTerms('CC-BY-SA-4.0'), { commercial: true, derivatives: true, attribution: true, shareAlike: true });
  assert.deepEqual(licenseTerms('CC-BY-NC-4.0'), { commercial: false, derivatives: true, attribution: true, shareAlike: false });
  assert.deepEqual(licenseTerms('CC-BY-NC-ND-3.0'), { commercial: false, derivatives: false, attribution: true, shareAlike: false });
  assert.deepEqual(licenseTerms('CC-BY-ND-2.0'), { commercial: true, derivatives: false, attribution: true, shareAlike: false });
  assert.deepEqual(licenseTerms('CC0-1.0'), { commercial: true, derivatives: true, attribution: false, shareAlike: false });
  assert.deepEqual(licenseTerms('public-domain'), { commercial: true, derivatives: true, attribution: false, shareAlike: false });
  assert.equal(licenseTerms('MIT').commercial, true);
  for (const restricted of ['unknown', 'proprietary', 'LicenseRef-custom']) {
    const t = licenseTerms(restricted);
    assert.equal(t.commercial, false, restricted);
    assert.equal(t.derivatives, false, restricted);
  }
});

test('licenseUrl gives the deed of CC licences', () => {
  assert.equal(licenseUrl('CC-BY-NC-SA-4.0'), 'https://creativecommons.org/licenses/by-nc-sa/4.0/');
  assert.equal(licenseUrl('CC0-1.0'), 'https://creativecommons.org/publicdomain/zero/1.0/');
  assert.equal(licenseUrl('unknown'), undefined);
});
