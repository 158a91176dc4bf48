// Before / after: two runs of the same task and grid (e.g. a model before and after fine-tuning)
// compared SCE by SCE. Pairs are SCEs with the same point and requested label; the table counts
// them by strict validity before and after, and the map shows the after run's arrows of the pairs
// whose validity changed (green: now valid, magenta: no longer valid).
'use strict';

function sameGrid(a, b) {
  return !isText(a) && !isText(b) && a.task === b.task && a.axes.length === b.axes.length &&
    a.axes.every((x, k) => x.name === b.axes[k].name && JSON.stringify(x.values) === JSON.stringify(b.axes[k].values));
}

// Run pairs (i, j), i < j, that share task and grid.
function comparablePairs(runs) {
  const out = [];
  runs.forEach((a, i) => runs.forEach((b, j) => { if (i < j && sameGrid(a, b)) out.push([i, j]); }));
  return out;
}

const validityOf = s => s.valid === true ? 'valid' : s.valid === false ? 'invalid' : 'not scored';

// {pairs, table: {before kind: {after kind: n}}, fixed: after-run SCE rows now valid, broken: no longer valid,
//  reach: pairs whose end point moved from short of the boundary (steps < 0) to past it (steps > 0)}
function pairSces(before, after) {
  const key = s => s.index + '\u0000' + s.target;
  const first = new Map();
  before.sces.forEach(s => { if (!first.has(key(s))) first.set(key(s), s); });
  const kinds = ['valid', 'invalid', 'not scored'];
  const table = Object.fromEntries(kinds.map(k => [k, Object.fromEntries(kinds.map(l => [l, 0]))]));
  const out = {pairs: 0, table, fixed: [], broken: [], reach: 0};
  for (const s of after.sces) {
    const b = first.get(key(s));
    if (!b) continue;
    ++out.pairs;
    const kb = validityOf(b), ka = validityOf(s);
    ++table[kb][ka];
    if (kb === 'invalid' && ka === 'valid') out.fixed.push(s);
    if (kb === 'valid' && ka === 'invalid') out.broken.push(s);
    if (b.steps !== null && s.steps !== null && b.steps < 0 && s.steps > 0) ++out.reach;
  }
  return out;
}

function compareTable(p) {
  const kinds = ['valid', 'invalid', 'not scored'];
  const head = el('tr', {}, el('th', {}, 'before ↓ / after →'), kinds.map(k => el('th', {}, k)));
  const rows = kinds.map(kb => el('tr', {}, el('th', {}, kb),
    kinds.map(ka => el('td', {class: 'num', dataset: {before: kb, after: ka}}, String(p.table[kb][ka])))));
  return el('table', {id: 'table-compare'}, el('thead', {}, head), el('tbody', {}, rows));
}

async function renderCompare(holder, pair) {
  const before = DATA.runs[pair[0]], after = DATA.runs[pair[1]];
  const p = pairSces(before, after);
  holder.textContent = '';
  holder.append(el('p', {}, p.pairs + ' SCEs asked in both runs (same point, same requested label). Strict validity ' +
    'before and after: ' + p.fixed.length + ' became valid, ' + p.broken.length + ' stopped being valid; ' + p.reach +
    ' now end past the boundary where they ended short of it.'), compareTable(p));
  const changed = p.fixed.map(s => Object.assign({}, s, {valid: true})).concat(p.broken.map(s => Object.assign({}, s, {valid: false})));
  const view = Object.assign({}, state.views[pair[1]], {arrows: 'all', count: 'sample', sel: -1});
  const {spec, arrows, total} = decisionMapSpec(Object.assign({}, after, {sces: changed}), view);
  holder.append(el('p', {class: 'note', id: 'compare-note'}, 'Map of ' + after.name + ' (slice as in its own map): ' +
    (total ? (arrows < total ? arrows + ' of ' : '') + total + ' arrows of SCEs whose validity changed (green: now valid, magenta: no longer valid).'
           : 'no SCE in this slice changed validity.')));
  const chart = el('div', {class: 'chart'});
  holder.append(chart);
  await embedChart(chart, 'compare', spec);
}

function compareSection() {
  const pairs = comparablePairs(DATA.runs);
  if (!pairs.length) return null;
  const holder = el('div');
  const names = pairs.map(([i, j], n) => [n, DATA.runs[i].name + ' → ' + DATA.runs[j].name]);
  const pick = select(names, 0, v => renderCompare(holder, pairs[Number(v)]), {id: 'compare-pair'});
  renderCompare(holder, pairs[0]);
  return section('compare', 'Before / after (two runs of one task and grid)', el('div', {class: 'controls'}, el('label', {}, 'runs ', pick)), holder);
}
