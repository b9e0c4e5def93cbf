/*
 * The page of `clipmill serve` (live: polls the server's JSON API) and of `clipmill report`
 * (static: every figure and picture is inline in the file). One script renders both; only the
 * data provider differs. Plain browser JavaScript, no build step; charts are uPlot.
 * Everything taken from the dataset (URIs, messages, captions) goes in as text, never as HTML.
 */
(function () {
  'use strict';
  const charts = {};
  window.clipmill = { charts: charts, renders: 0 };

  // ---------- DOM helpers ----------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const $ = (selector) => document.querySelector(selector);
  function fill(id, ...children) {
    const node = document.getElementById(id);
    if (node) node.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
    return node;
  }
  const num = (n, digits) => (typeof n === 'number' ? n.toLocaleString('en-US', { maximumFractionDigits: digits ?? 0 }) : '–');
  const hours = (h) => (h >= 10 ? num(h, 1) : num(h, 3)) + ' h';
  function bytes(b) {
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (b >= 1000 && i < units.length - 1) { b /= 1000; i++; }
    return num(b, i ? 1 : 0) + ' ' + units[i];
  }
  const clipLink = (id, text) => el('a', { href: '#/clip/' + encodeURIComponent(id) }, text || id);
  const sourceLink = (id, text) => el('a', { href: '#/source/' + encodeURIComponent(id) }, text || id);

  // ---------- charts ----------
  /** Horizontal bars as DOM: each row carries data-key and data-value, so the numbers are checkable. */
  function bars(name, rows, format) {
    const max = Math.max(1, ...rows.map((r) => r.value));
    if (rows.length === 0) return el('p', { class: 'empty', 'data-chart': name }, 'none');
    return el('div', { class: 'bars', 'data-chart': name },
      rows.map((r) => el('div', { class: 'bar', 'data-key': r.key, 'data-value': r.value },
        el('span', { class: 'bar-label', title: r.key }, r.key),
        el('span', { class: 'bar-track' }, el('span', { class: 'bar-fill', style: 'width:' + (100 * r.value / max).toFixed(1) + '%' })),
        el('span', { class: 'bar-value' }, format ? format(r.value) : num(r.value)),
        r.extra || null)));
  }

  function plot(id, title, opts, data) {
    const holder = el('figure', { class: 'chart', id: 'chart-' + id, 'data-chart': id }, el('figcaption', {}, title));
    charts[id] = { data: data };
    // uPlot draws into the element once it is in the page.
    queueMicrotask(() => {
      const width = Math.max(280, Math.min(holder.clientWidth || 380, 520));
      charts[id].plot = new uPlot(Object.assign({ width: width, height: 170, legend: { show: true } }, opts), data, holder);
    });
    return holder;
  }

  function timeChart(id, title, series, label) {
    // One bucket alone gives a zero-width x range, which uPlot cannot draw: widen it by a bucket each side.
    const range = (u, min, max) => (min === max ? [min - series.bucketSec, max + series.bucketSec] : [min, max]);
    const figure = plot(id, title, {
      series: [{}, { label: label, stroke: '#2563eb', fill: 'rgba(37,99,235,0.12)', points: { show: series.time.length < 3 } }],
      scales: { x: { time: true, range: range } },
    }, [series.time, series.values]);
    charts[id].bucketSec = series.bucketSec;
    return figure;
  }

  function histogramChart(h) {
    const centres = h.edges.map((e) => e + h.width / 2);
    const barPaths = (align) => uPlot.paths.bars({ size: [0.45, 60], align: align });
    return plot('hist-' + h.name, h.label, {
      scales: { x: { time: false, range: (u, min, max) => [min - h.width / 2, max + h.width / 2] } },
      series: [
        { label: h.label, value: (u, v) => (v == null ? '–' : num(v, 3)) },
        { label: 'kept', stroke: '#16a34a', fill: 'rgba(22,163,74,0.55)', paths: barPaths(-1), points: { show: false } },
        { label: 'dropped', stroke: '#dc2626', fill: 'rgba(220,38,38,0.45)', paths: barPaths(1), points: { show: false } },
      ],
    }, [centres, h.kept, h.dropped]);
  }

  // ---------- sections ----------
  function totals(o) {
    const t = o.totals;
    const card = (key, label, value, note) => el('div', { class: 'card', 'data-total': key, 'data-value': String(t[key]) },
      el('div', { class: 'card-value' }, value), el('div', { class: 'card-label' }, label), note ? el('div', { class: 'card-note' }, note) : null);
    return [
      card('sources', 'sources recorded', num(t.sources), `${num(t.done)} done · ${num(t.failed)} failed · ${num(t.refused)} refused`),
      card('kept', 'clips kept', num(t.kept), `of ${num(t.clips)} clips`),
      card('dropped', 'clips dropped', num(t.dropped), o.filters.slice(0, 3).map((f) => `${f.filter} ${num(f.clips)}`).join(' · ')),
      card('sourceHours', 'hours of source video', hours(t.sourceHours)),
      card('keptHours', 'hours in kept clips', hours(t.keptHours)),
      card('bytesDownloaded', 'downloaded', bytes(t.bytesDownloaded)),
    ];
  }

  function throughput(o) {
    const s = o.throughput;
    if (s.time.length === 0) return el('p', { class: 'empty' }, 'no source has finished yet');
    const per = s.bucketSec >= 3600 ? num(s.bucketSec / 3600) + ' h' : s.bucketSec >= 60 ? num(s.bucketSec / 60) + ' min' : s.bucketSec + ' s';
    return [
      el('p', { class: 'note' }, `per ${per} bucket, by the time sources finished`),
      el('div', { class: 'charts' },
        timeChart('video-hours-per-day', 'video-hours per day', { time: s.time, bucketSec: s.bucketSec, values: s.videoHoursPerDay }, 'h/day'),
        timeChart('sources-per-min', 'sources per minute', { time: s.time, bucketSec: s.bucketSec, values: s.sourcesPerMin }, '/min'),
        timeChart('bytes-per-sec', 'download bytes per second', { time: s.time, bucketSec: s.bucketSec, values: s.bytesPerSec }, 'B/s')),
    ];
  }

  function examplesOf(group) {
    return el('ul', { class: 'examples' }, group.examples.map((e) =>
      el('li', {}, sourceLink(e.sourceId), ' ', el('span', { class: 'uri' }, e.uri), e.message ? el('div', { class: 'message' }, e.message) : null)));
  }

  function grouped(name, groups) {
    return bars(name, groups.map((g) => ({ key: g.key, value: g.count, extra: el('details', {}, el('summary', {}, 'examples'), examplesOf(g)) })));
  }

  const percent = (share) => num(100 * share, 1) + ' %';

  /** Rows per key; categories also get their share of kept hours, and the target beside it when one was set. */
  function mixTable(name, rows, keyLabel) {
    if (rows.length === 0) return el('p', { class: 'empty', 'data-chart': name }, 'none');
    const shares = rows.some((r) => r.share !== undefined);
    const targets = rows.some((r) => r.target !== undefined);
    return el('table', { class: 'mix', 'data-chart': name },
      el('thead', {}, el('tr', {}, el('th', {}, keyLabel), el('th', {}, 'sources'), el('th', {}, 'kept clips'), el('th', {}, 'kept hours'),
        shares ? el('th', {}, 'share of hours') : null, targets ? el('th', {}, 'target') : null)),
      el('tbody', {}, rows.map((r) => el('tr', { 'data-key': r.key, 'data-sources': r.sources, 'data-clips': r.keptClips, 'data-share': r.share, 'data-target': r.target },
        el('td', {}, r.key), el('td', {}, num(r.sources)), el('td', {}, num(r.keptClips)), el('td', {}, num(r.keptHours, 3)),
        shares ? el('td', {}, percent(r.share)) : null,
        targets ? el('td', { class: r.share + 0.05 < r.target ? 'error' : '' }, percent(r.target)) : null))));
  }

  function picture(id, provider) {
    const url = provider.pictureUrl(id);
    return url ? el('img', { src: url, alt: id }) : el('div', { class: 'no-picture' }, 'no picture');
  }

  function filterEffects(o, provider) {
    if (o.filters.length === 0) return el('p', { class: 'empty', 'data-chart': 'filters' }, 'no clip was dropped');
    return el('table', { class: 'mix', 'data-chart': 'filters' },
      el('thead', {}, el('tr', {}, el('th', {}, 'filter'), el('th', {}, 'clips dropped'), el('th', {}, 'hours dropped'), el('th', {}, 'examples'))),
      el('tbody', {}, o.filters.map((f) => el('tr', { 'data-key': f.filter, 'data-value': f.clips },
        el('td', {}, f.filter), el('td', {}, num(f.clips)), el('td', {}, num(f.hours, 4)),
        el('td', { class: 'thumbs' }, f.examples.map((id) => clipLink(id, picture(id, provider))))))));
  }

  function stages(o) {
    return bars('stages', o.stages.map((s) => ({ key: s.stage, value: Math.round(s.seconds * 1000) / 1000, extra: el('span', { class: 'note' }, `mean ${num(s.mean, 2)} s`) })),
      (v) => num(v, 1) + ' s');
  }

  function queue(q) {
    if (!q) return null;
    if (q.error) return el('p', { class: 'error' }, q.error);
    const rows = [['waiting', q.waiting], ['active', q.active], ['delayed', q.delayed], ['completed', q.completed], ['failed', q.failed]];
    return [
      bars('queue', rows.map(([key, value]) => ({ key: key, value: value }))),
      el('p', { 'data-workers': q.workers.length }, `${q.workers.length} workers connected`, q.workers.length ? ': ' + q.workers.map((w) => w.addr || w.name).join(', ') : ''),
      q.run ? el('p', {}, `this run ${q.run.state}: ${q.run.processed} of ${q.run.enqueued} source jobs processed, ${q.run.unprocessed} to do, ${q.run.failedJobs} failed jobs; pack ${q.run.pack}`) : null,
    ];
  }

  // ---------- grid, clip page, source page ----------
  const gridState = { status: '', filter: '', category: '', offset: 0 };
  const GRID_PAGE = 48;

  function select(name, label, options) {
    return el('label', {}, label + ' ',
      el('select', { name: name, onchange: (e) => { gridState[name] = e.target.value; gridState.offset = 0; renderGrid(); } },
        el('option', { value: '' }, 'all'),
        options.map((o) => el('option', { value: o, selected: gridState[name] === o }, o))));
  }

  let provider;
  let lastOverview;

  function gridControls(o) {
    return el('div', { class: 'controls' },
      select('status', 'status', ['kept', 'dropped']),
      select('filter', 'reason', o.filters.map((f) => f.filter)),
      o.categories.length ? select('category', 'category', o.categories.map((c) => c.key)) : null);
  }

  async function renderGrid() {
    const result = await provider.clips(Object.assign({ limit: GRID_PAGE }, gridState));
    fill('grid-count', `${num(result.total)} clips match`);
    fill('grid', result.clips.map((c) => el('a', { class: 'tile ' + c.status, href: '#/clip/' + encodeURIComponent(c.id), 'data-clip': c.id, 'data-status': c.status, 'data-filter': c.filter || '' },
      picture(c.id, provider),
      el('span', { class: 'tile-label' }, `${num(c.duration, 1)} s · ${c.status}${c.filter ? ' (' + c.filter + ')' : ''}`))));
    fill('grid-pages',
      gridState.offset > 0 ? el('button', { onclick: () => { gridState.offset = Math.max(0, gridState.offset - GRID_PAGE); renderGrid(); } }, '← previous') : null,
      gridState.offset + GRID_PAGE < result.total ? el('button', { onclick: () => { gridState.offset += GRID_PAGE; renderGrid(); } }, 'next →') : null);
  }

  function keyValues(pairs) {
    return el('table', { class: 'kv' }, el('tbody', {}, pairs.filter((p) => p[1] !== undefined && p[1] !== null && p[1] !== '')
      .map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v instanceof Node ? v : typeof v === 'object' ? JSON.stringify(v) : String(v))))));
  }

  async function showClip(id) {
    const detail = await provider.clip(id);
    if (!detail) return fill('detail', el('p', { class: 'error' }, 'no clip ' + id));
    const c = detail.clip;
    const s = detail.source;
    const video = provider.videoUrl(c) ? el('video', { id: 'clip-video', src: provider.videoUrl(c), controls: true, muted: true, autoplay: true, loop: true, playsinline: true }) : picture(c.id, provider);
    fill('detail',
      el('h2', {}, 'clip ', el('code', {}, c.id)),
      el('div', { class: 'clip-page' }, video,
        keyValues([
          ['status', c.status + (c.reason ? ': ' + c.reason : '')], ['duplicate of', c.duplicateOf ? clipLink(c.duplicateOf) : null],
          ['span', `${num(c.start, 3)} s – ${num(c.end, 3)} s (${num(c.duration, 3)} s)`],
          ['size', c.width ? `${c.width}×${c.height} @ ${num(c.fps, 3)} fps` : null], ['licence', c.license], ['category', c.category],
          ['caption', c.caption], ['shard', c.shard], ['file', c.file],
          ['source', sourceLink(s.id, s.uri)], ['final URL', s.provenance && s.provenance.finalUri], ['retrieved', s.provenance && s.provenance.retrievedAt],
          ['sha256', s.provenance && s.provenance.sha256], ['from', s.origin.input + (s.origin.line ? ':' + s.origin.line : '')],
          ['signals', Object.entries(c.signals).map(([k, v]) => `${k}=${num(v, 3)}`).join(', ')],
        ])),
      el('p', {}, el('a', { href: '#' }, '← back')));
    $('#detail').scrollIntoView();
  }

  async function showSource(id) {
    const detail = await provider.source(id);
    if (!detail) return fill('detail', el('p', { class: 'error' }, 'no source ' + id));
    const r = detail.record;
    fill('detail',
      el('h2', {}, 'source ', el('code', {}, r.id)),
      keyValues([
        ['uri', r.uri], ['status', r.status + (r.error ? ` (${r.error.code}: ${r.error.message})` : '')], ['licence', r.license || 'unknown'],
        ['from', r.origin.input + (r.origin.line ? ':' + r.origin.line : '')], ['metadata', Object.keys(r.metadata || {}).length ? r.metadata : null],
        ['probe', r.probe ? `${r.probe.video.codec} ${r.probe.video.width}×${r.probe.video.height} @ ${num(r.probe.video.fps, 3)} fps, ${num(r.probe.durationSec, 2)} s` : null],
        ['shots', r.shots ? r.shots.length : null], ['timings', Object.entries(r.timings || {}).map(([k, v]) => `${k} ${num(v, 2)} s`).join(', ')],
        ['finished', r.finishedAt],
      ]),
      el('h3', {}, 'clips'),
      el('div', { class: 'grid' }, detail.clips.map((c) => el('a', { class: 'tile ' + c.status, href: '#/clip/' + encodeURIComponent(c.id), 'data-clip': c.id },
        picture(c.id, provider), el('span', { class: 'tile-label' }, `${num(c.start, 2)}–${num(c.end, 2)} s · ${c.status}${c.filter ? ' (' + c.filter + ')' : ''}`)))),
      el('p', {}, el('a', { href: '#' }, '← back')));
    $('#detail').scrollIntoView();
  }

  function route() {
    const [, kind, id] = /^#\/(clip|source)\/(.+)$/.exec(location.hash) || [];
    if (kind === 'clip') return showClip(decodeURIComponent(id));
    if (kind === 'source') return showSource(decodeURIComponent(id));
    fill('detail');
  }

  // ---------- the datasheet (report only) ----------
  function datasheet(d) {
    const runs = d.runs || [];
    fill('collected',
      runs.length === 0 ? el('p', { class: 'empty' }, 'no run log (runs.jsonl) in the folder') :
        el('table', { class: 'mix' }, el('thead', {}, el('tr', {}, el('th', {}, 'started'), el('th', {}, 'clipmill'), el('th', {}, 'executor'), el('th', {}, 'command'))),
          el('tbody', {}, runs.map((r) => el('tr', {}, el('td', {}, r.started_at), el('td', {}, r.clipmill_version), el('td', {}, r.executor), el('td', {}, el('code', {}, 'clipmill ' + r.command.join(' '))))))),
      d.stats ? el('p', {}, `Last pack: run from ${d.stats.start_time} to ${d.stats.end_time} (${num(d.stats.duration, 1)} s wall time).`) : null,
      runs.length ? el('details', {}, el('summary', {}, 'settings of the last run'), el('pre', {}, JSON.stringify(runs[runs.length - 1].config, null, 2))) : null);
    fill('duplicates', d.duplicates.count === 0 ? el('p', { 'data-duplicates': 0 }, 'No near duplicates were found.') : [
      el('p', { 'data-duplicates': d.duplicates.count }, `${num(d.duplicates.count)} clips (${num(d.duplicates.hours, 4)} h) were dropped as near duplicates of a kept clip.`),
      el('ul', {}, d.duplicates.examples.map((p) => el('li', {}, clipLink(p.id, picture(p.id, provider)), ' duplicates ', clipLink(p.of, picture(p.of, provider))))),
    ]);
    fill('limitations', el('ul', {}, d.limitations.map((l) => el('li', {}, l))));
    fill('attribution', d.attribution ? el('pre', {}, d.attribution) : el('p', { class: 'empty' }, 'no ATTRIBUTION.md'));
  }

  // ---------- main ----------
  function render(o) {
    fill('totals', totals(o));
    fill('status-line', o.packed ? 'packed' : 'in progress or not packed yet', ' · updated ', new Date(o.generatedAt).toLocaleTimeString());
    fill('throughput', throughput(o));
    fill('stages', stages(o));
    fill('failures', grouped('failures', o.failures));
    fill('refusals', grouped('refusals', o.refusals));
    fill('filters', filterEffects(o, provider));
    fill('queue', queue(o.queue));
    const queueSection = document.getElementById('queue-section');
    if (queueSection) queueSection.hidden = !o.queue;
    fill('licences', mixTable('licences', o.licences, 'licence'));
    fill('categories', o.categories.length ? mixTable('categories', o.categories, 'category') : el('p', { class: 'empty', 'data-chart': 'categories' }, 'the inputs name no category'));
    fill('hosts', mixTable('hosts', o.hosts, 'host'));
    fill('resolutions', bars('resolutions', o.resolutions.map((r) => ({ key: r.key, value: r.count }))));
    fill('histograms', el('div', { class: 'charts' }, o.histograms.map(histogramChart)));
    fill('grid-controls', gridControls(o));
    window.clipmill.renders++;
  }

  async function refresh() {
    try {
      const o = await provider.overview();
      const key = JSON.stringify(Object.assign({}, o, { generatedAt: 0 }));
      if (key !== lastOverview) {
        lastOverview = key;
        for (const id of Object.keys(charts)) { if (charts[id].plot) charts[id].plot.destroy(); delete charts[id]; }
        render(o);
        await renderGrid();
      }
      fill('updated', 'checked ', new Date().toLocaleTimeString());
    } catch (err) {
      fill('updated', el('span', { class: 'error' }, 'could not refresh: ' + err.message));
    }
  }

  // Live: the server's JSON API, polled.
  function liveProvider() {
    const get = async (path) => {
      const res = await fetch(path, { credentials: 'same-origin' });
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(res.status + ' ' + res.statusText);
      return res.json();
    };
    const query = (q) => new URLSearchParams(Object.entries(q).filter(([, v]) => v !== '' && v !== undefined).map(([k, v]) => [k, String(v)])).toString();
    return {
      overview: () => get('api/overview'),
      clips: (q) => get('api/clips?' + query(q)),
      clip: (id) => get('api/clip/' + encodeURIComponent(id)),
      source: (id) => get('api/source/' + encodeURIComponent(id)),
      pictureUrl: (id) => 'picture/' + encodeURIComponent(id) + '.jpg',
      videoUrl: (c) => (c.file ? 'media/' + encodeURIComponent(c.id) : null),
    };
  }

  // Static: everything inline in the report file.
  function staticProvider(d) {
    const matches = (c, q) => (!q.status || c.status === q.status) && (!q.filter || c.filter === q.filter) && (!q.category || c.category === q.category);
    const clipOf = new Map(d.clips.map((c) => [c.id, c]));
    return {
      overview: async () => d.overview,
      clips: async (q) => {
        const all = d.clips.filter((c) => matches(c, q));
        return { total: all.length, clips: all.slice(q.offset || 0, (q.offset || 0) + q.limit) };
      },
      clip: async (id) => (clipOf.has(id) ? { clip: clipOf.get(id), source: d.sources[clipOf.get(id).sourceId] } : null),
      source: async (id) => (d.sources[id] ? { record: d.sources[id], clips: d.clips.filter((c) => c.sourceId === id) } : null),
      pictureUrl: (id) => d.pictures[id] || null,
      videoUrl: () => null,
    };
  }

  window.addEventListener('DOMContentLoaded', async () => {
    const inline = document.getElementById('clipmill-data');
    if (inline) {
      const d = JSON.parse(inline.textContent);
      provider = staticProvider(d);
      datasheet(d);
      await refresh();
    } else {
      provider = liveProvider();
      await refresh();
      setInterval(refresh, 2000);
    }
    window.addEventListener('hashchange', route);
    await route();
    window.clipmill.ready = true;
  });
})();
