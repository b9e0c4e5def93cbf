import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PolicyConfig } from '../../src/config/schema.js';
import { ErrorCode, FatalError } from '../../src/errors.js';
import { loadPolicyContext } from '../../src/policy/context.js';
import { parseOptOutList } from '../../src/policy/optout.js';
import { admitLicense, decideAdmission, licenseWarning, resolveLicense, type PolicyContext } from '../../src/policy/policy.js';
import { isRowError, readInputs } from '../../src/sources/index.js';
import type { Source } from '../../src/types.js';

/** One manifest row per licence case; the licence column holds what real manifests hold. */
const MANIFEST: Array<[string, string]> = [
  ['cc0', 'CC0-1.0'],
  ['pd', 'Public Domain'],
  ['by', 'https://creativecommons.org/licenses/by/4.0/'],
  ['bysa', 'CC BY-SA 3.0'],
  ['bync', 'Creative Commons Attribution-NonCommercial 4.0 International'],
  ['byncsa', 'by-nc-sa'],
  ['bynd', 'CC-BY-ND-4.0'],
  ['byncnd', 'CC BY-NC-ND 2.0'],
  ['mit', 'MIT'],
  ['yt-cc', 'Creative Commons Attribution license (reuse allowed)'],
  ['yt-std', 'Standard YouTube License'],
  ['none', ''],
  ['weird', 'ask the owner'],
];

async function manifestSources(): Promise<Map<string, Source>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-policy-'));
  try {
    const file = path.join(dir, 'mixed.csv');
    const lines = ['url,license,name', ...MANIFEST.map(([name, lic]) => `https://videos.example.com/${name}.mp4,"${lic}",${name}`)];
    await writeFile(file, lines.join('\n') + '\n');
    const byName = new Map<string, Source>();
    for await (const item of readInputs([file])) {
      assert.ok(!isRowError(item), JSON.stringify(item));
      byName.set(path.basename(new URL(item.uri).pathname, '.mp4'), item);
    }
    assert.equal(byName.size, MANIFEST.length);
    return byName;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const ctxFor = (config: Partial<PolicyConfig>): PolicyContext => ({
  config: PolicyConfig.parse(config),
  optOut: { entries: [] },
  takenDown: new Set(),
});

function admitted(sources: Map<string, Source>, ctx: PolicyContext): string[] {
  return [...sources].filter(([, s]) => decideAdmission(s, ctx).admit).map(([name]) => name).sort();
}

test('--use commercial admits only licences allowing commercial use and derivatives', async () => {
  const sources = await manifestSources();
  const ctx = ctxFor({ use: 'commercial' });
  assert.deepEqual(admitted(sources, ctx), ['by', 'bysa', 'cc0', 'mit', 'pd', 'yt-cc']);
  const nc = decideAdmission(sources.get('bync')!, ctx);
  assert.equal(nc.admit, false);
  assert.ok(!nc.admit && nc.code === ErrorCode.RefusedLicense && /CC-BY-NC-4\.0 does not allow commercial use/.test(nc.reason), JSON.stringify(nc));
  const nd = decideAdmission(sources.get('bynd')!, ctx);
  assert.ok(!nd.admit && /no derivatives/.test(nd.reason));
  const unknown = decideAdmission(sources.get('none')!, ctx);
  assert.ok(!unknown.admit && /licence unknown/.test(unknown.reason));
  const proprietary = decideAdmission(sources.get('yt-std')!, ctx);
  assert.ok(!proprietary.admit && /proprietary/.test(proprietary.reason));
  const cc = decideAdmission(sources.get('yt-cc')!, ctx);
  assert.deepEqual(cc, { admit: true, license: 'CC-BY-3.0' });
});

test('--use research admits NC and ND, refuses proprietary and unknown', async () => {
  const sources = await manifestSources();
  assert.deepEqual(admitted(sources, ctxFor({ use: 'research' })), [
    'by', 'bync', 'byncnd', 'byncsa', 'bynd', 'bysa', 'cc0', 'mit', 'pd', 'yt-cc',
  ]);
  assert.deepEqual(admitted(sources, ctxFor({ use: 'non-commercial' })), admitted(sources, ctxFor({ use: 'research' })));
});

test('--use internal refuses NC but admits ND', async () => {
  const sources = await manifestSources();
  assert.deepEqual(admitted(sources, ctxFor({ use: 'internal' })), ['by', 'bynd', 'bysa', 'cc0', 'mit', 'pd', 'yt-cc']);
});

test('allowUnknownLicense admits unknown (also unrecognised text) but never proprietary', async () => {
  const sources = await manifestSources();
  const names = admitted(sources, ctxFor({ use: 'commercial', allowUnknownLicense: true }));
  assert.ok(names.includes('none') && names.includes('weird'));
  assert.ok(!names.includes('yt-std'));
});

test('a user admit list replaces the defaults of a use and may define a new use', async () => {
  const sources = await manifestSources();
  const ctx = ctxFor({ use: 'eval', admit: { eval: ['CC-BY-*', 'cc0'] } });
  assert.deepEqual(admitted(sources, ctx), ['by', 'bync', 'byncnd', 'byncsa', 'bynd', 'bysa', 'cc0', 'yt-cc']);
  const own = ctxFor({ use: 'internal', admit: { internal: ['proprietary'] } });
  assert.deepEqual(admitted(sources, own), ['yt-std']);
});

test('an undeclared use without an admit list is a fatal error', async () => {
  await assert.rejects(loadPolicyContext(PolicyConfig.parse({ use: 'marketing' }), os.tmpdir()), FatalError);
});

/** Admitted sources per licence, as the end of a run counts them for the warning. */
function countByLicense(licenses: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const license of licenses) counts[license] = (counts[license] ?? 0) + 1;
  return counts;
}

test('no declared use: everything admitted with its licence recorded, and a warning counts them', async () => {
  const sources = await manifestSources();
  const ctx = ctxFor({});
  const verdicts = [...sources.values()].map((s) => decideAdmission(s, ctx));
  assert.ok(verdicts.every((v) => v.admit));
  const counts = countByLicense(verdicts.map((v) => (v.admit ? v.license : 'refused')));
  assert.equal(counts.unknown, 2);
  assert.equal(counts.proprietary, 1);
  const warning = licenseWarning(counts, ctx.config);
  assert.ok(warning);
  assert.match(warning, /No intended use was declared/);
  assert.match(warning, /13 sources admitted/);
  assert.match(warning, /unknown: 2/);
  assert.match(warning, /CC-BY-NC-4\.0: 1/);
  assert.match(warning, /--use commercial\|research\|non-commercial\|internal/);
  assert.equal(licenseWarning(counts, { use: 'research' }), undefined);
  assert.equal(licenseWarning({}), undefined);
});

test('opt-outs and takedowns refuse sources even without a declared use', async () => {
  const sources = await manifestSources();
  const by = sources.get('by')!;
  const cc0 = sources.get('cc0')!;
  const ctx: PolicyContext = {
    config: PolicyConfig.parse({}),
    optOut: parseOptOutList('videos.example.com/by.mp4\n', 'optout.txt'),
    takenDown: new Set([cc0.id]),
  };
  const optOut = decideAdmission(by, ctx);
  assert.ok(!optOut.admit && optOut.code === ErrorCode.RefusedOptOut && /optout\.txt:1/.test(optOut.reason));
  const takenDown = decideAdmission(cc0, ctx);
  assert.ok(!takenDown.admit && takenDown.code === ErrorCode.RefusedTakedown);
  assert.ok(decideAdmission(sources.get('bync')!, ctx).admit);
});

test('resolveLicense: source licence, then columns, then the run default', () => {
  const cfg = PolicyConfig.parse({ defaultLicense: 'CC BY 4.0', licenseColumn: 'rights_statement' });
  assert.equal(resolveLicense({ license: 'CC0-1.0', metadata: { license_raw: 'MIT' } }, cfg), 'CC0-1.0');
  assert.equal(resolveLicense({ metadata: { rights_statement: 'by-sa', license_raw: 'MIT' } }, cfg), 'CC-BY-SA-4.0');
  assert.equal(resolveLicense({ metadata: { license_raw: 'MIT' } }, cfg), 'MIT');
  // The licence columns ingest knows, in any case, also when ingest did not stamp license_raw.
  assert.equal(resolveLicense({ metadata: { License_Name: 'MIT' } }, cfg), 'MIT');
  assert.equal(resolveLicense({ metadata: { RIGHTS: 'cc0' } }, cfg), 'CC0-1.0');
  assert.equal(resolveLicense({ metadata: {} }, cfg), 'CC-BY-4.0');
  // A stated but unrecognised licence is not overridden by the run default.
  assert.equal(resolveLicense({ metadata: { license: 'ask me' } }, cfg), 'unknown');
  assert.deepEqual(admitLicense('CC-BY-NC-4.0', PolicyConfig.parse({})), { admit: true });
});
