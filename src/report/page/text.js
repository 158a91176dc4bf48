// Text-audit runs (results.json "protocol": "text"): their metrics with CIs (all rows and per
// requested label), the SCE's edit size against its minimal flipping sub-edit, and a sample browser
// showing original -> SCE -> minimal sub-edit as word diffs computed by sceval (page data "sce_diff",
// "minimal_diff": [kind, text] segments). Model text reaches the DOM as text nodes only.
'use strict';

const isText = run => run.protocol === 'text';

const TEXT_METRICS = [  // [key in results.json text.metrics, header, kind]
  ['n', 'rows', 'int'], ['items', 'items', 'int'], ['generation_rate', 'generation rate', 'rate'],
  ['validity', 'validity', 'rate'], ['validity_with_history', 'validity with history', 'rate'],
  ['mean_levenshtein_normalized', 'mean norm. Levenshtein', 'num'],
  ['median_levenshtein_normalized', 'median norm. Levenshtein', 'num'], ['mean_excess', 'mean excess', 'num']];

// One row per text run (all rows), then one per requested label; the same table model as the summary.
function textMetricsModel(runs) {
  const columns = ['run', 'model', 'task', 'requested label'].concat(TEXT_METRICS.map(m => m[1]));
  const rows = [];
  runs.forEach((run, r) => {
    if (!isText(run)) return;
    const t = run.results.text || {};
    const blocks = [['all', t.metrics || {}]].concat(Object.entries(t.by_target || {}));
    for (const [label, block] of blocks) {
      const cells = [run.name, run.model, run.task, label].map(x => ({text: x}));
      for (const [key, , kind] of TEXT_METRICS) {
        const v = block[key], ci = (block.ci || {})[key];
        cells.push({text: metricText(kind, v) + (ci ? ' ' + fmtCi(ci, kind === 'rate') : ''), value: v === undefined ? null : v, key, ci});
      }
      rows.push({cells, run: r, mode: 'text', source: label});
    }
  });
  return {columns, rows, name: 'text-metrics'};
}

function textCountsText(run) {
  const c = (run.results.text || {}).counts || {};
  const reasons = Object.entries(c.not_generated || {}).map(([k, v]) => k + ': ' + v).join(', ');
  return c.rows + ' rows (item × requested label): ' + c.generated + ' generated' + (reasons ? ' (not generated: ' + reasons + ')' : '') +
    '; ' + c.validity_na + ' generated with no usable validity answer (NA); ' + c.searched + ' searched for a minimal flipping sub-edit, ' +
    c.censored + ' censored (search budget reached), ' + c.ddmin_queries + ' partial revisions asked. ' +
    (run.items.source ? 'Original texts: ' + run.items.source + '.' : 'Original texts unknown: ' + run.items.note + '.');
}

// One point per searched row: the SCE's edit size (x) against its minimal flipping sub-edit's (y),
// in hunks or characters; overlapping rows are one larger point. On the diagonal nothing could be dropped.
function textEditsSpec(run, unit) {
  const [xk, yk] = unit === 'hunks' ? ['sce_hunks', 'minimal_hunks'] : ['levenshtein', 'minimal_levenshtein'];
  const groups = new Map();
  for (const s of run.rows) {
    if (!isNum(s.minimal_hunks) || !isNum(s[xk]) || !isNum(s[yk])) continue;
    const search = s.censored ? 'censored (may not be 1-minimal)' : '1-minimal';
    const key = s[xk] + ',' + s[yk] + ',' + search;
    if (!groups.has(key)) groups.set(key, {sce: s[xk], minimal: s[yk], search, n: 0});
    ++groups.get(key).n;
  }
  const values = [...groups.values()];
  const top = Math.max(1, ...values.map(v => v.sce));
  const what = unit === 'hunks' ? 'word-diff hunks' : 'characters (Levenshtein)';
  const scale = {domain: [0, top], nice: false, padding: 10};
  const axis = {tickMinStep: 1, format: 'd'};  // whole hunks and characters
  const x = {type: 'quantitative', scale, axis, title: 'SCE edit, ' + what};
  const y = {type: 'quantitative', scale, axis, title: 'minimal flipping sub-edit, ' + what};
  return {
    width: 360, height: 300,
    layer: [
      {data: {values: [{a: 0, b: top}]}, mark: {type: 'rule', color: '#999', strokeDash: [4, 3]},
       encoding: {x: {...x, field: 'a'}, y: {...y, field: 'a'}, x2: {field: 'b'}, y2: {field: 'b'}}},
      {data: {values}, mark: {type: 'circle', opacity: 0.75},
       encoding: {x: {...x, field: 'sce'}, y: {...y, field: 'minimal'},
                  size: {field: 'n', type: 'quantitative', title: 'rows', scale: {range: [60, 400], zero: false},
                         legend: Math.max(...values.map(v => v.n)) > 1 ? {tickMinStep: 1, format: 'd'} : null},
                  color: {field: 'search', type: 'nominal', title: 'search',
                          scale: {domain: ['1-minimal', 'censored (may not be 1-minimal)'], range: ['#1f78b4', '#e08214']}},
                  tooltip: [{field: 'sce', title: 'SCE'}, {field: 'minimal', title: 'minimal'}, {field: 'n', title: 'rows'},
                            {field: 'search'}]}}]};
}

async function renderTextEdits(run, h) {
  const searched = run.rows.filter(s => isNum(s.minimal_hunks)).length;
  h.textEditsNote.textContent = searched + ' of ' + run.rows.length + ' rows searched (valid SCEs of items predicted another label). ' +
    'Dashed: the diagonal, where no part of the SCE could be dropped; below it the SCE did more than it needed.';
  if (!searched) return note(h.textEdits, 'No row was searched for a minimal flipping sub-edit.');
  await embedChart(h.textEdits, 'text_edits', textEditsSpec(run, h.textUnit.value));
}

const TEXT_FILTERS = [['all', 'all'], ['valid', 'valid'], ['invalid', 'invalid'], ['na', 'NA (generated, no usable answer)'],
                      ['not_generated', 'not generated'], ['censored', 'censored search']];
function textRowKind(s) {
  if (s.generated === false) return 'not_generated';
  return s.valid === true ? 'valid' : s.valid === false ? 'invalid' : 'na';
}
const validityText = v => v === true ? 'valid' : v === false ? 'invalid' : 'NA';

function textSampleBrowser(run, holder) {
  holder.textContent = '';
  let filter = 'all';
  const list = el('div', {class: 'sample-list'}), detail = el('div', {class: 'sample-detail', id: 'text-sample-detail'});
  const redraw = () => {
    const rows = run.rows.map((s, row) => ({s, row})).filter(({s}) =>
      filter === 'all' || (filter === 'censored' ? s.censored === true : textRowKind(s) === filter));
    const shown = rows.slice(0, 500);
    list.textContent = '';
    list.appendChild(el('p', {class: 'note'}, rows.length + ' rows match' + (rows.length > shown.length ? ' (first 500 listed)' : '')));
    const body = shown.map(({s, row}) => el('tr', {class: 'pick', dataset: {row}, on: {click: () => showTextRow(run, row, detail)}},
      [row + 1, s.id, s.target, s.generated === false ? 'not generated' : validityText(s.valid),
       isNum(s.minimal_hunks) ? s.sce_hunks + ' → ' + s.minimal_hunks + (s.censored ? ' (censored)' : '') : isNum(s.sce_hunks) ? String(s.sce_hunks) : '–']
        .map(t => el('td', {}, t))));
    list.appendChild(el('table', {id: 'text-sample-table'},
      el('thead', {}, el('tr', {}, ['#', 'id', 'requested label', 'validity', 'hunks (SCE → minimal)'].map(t => el('th', {}, t)))),
      el('tbody', {}, body)));
  };
  holder.append(el('div', {class: 'controls'}, el('label', {}, 'show ',
    select(TEXT_FILTERS, 'all', v => { filter = v; redraw(); }, {id: 'text-filter'}))), el('div', {class: 'samples'}, list, detail));
  redraw();
  if (run.rows.length) showTextRow(run, 0, detail);
}

// Segments [kind, text] -> unchanged text, <del> for removed tokens, <ins> for inserted ones.
function diffNode(segments) {
  return el('div', {class: 'diff'}, segments.map(([kind, text]) =>
    kind === '=' ? el('span', {}, text) : el(kind === '-' ? 'del' : 'ins', {}, text)));
}

function textBlock(title, node) { return el('div', {class: 'text-block'}, el('h5', {}, title), node); }

function showTextRow(run, row, holder) {
  const s = run.rows[row];
  holder.textContent = '';
  holder.appendChild(el('h4', {}, 'Row #' + (row + 1) + ': item ' + s.id + ' (sces.csv line ' + s.line + ')'));
  const facts = [
    ['original answer', s.original_answer || '(unusable: ' + (s.original_reason || '?') + ')'],
    ['requested label', s.target],
    ['generated', s.generated === false ? 'no (' + s.generated_reason + ')' : 'yes'],
    ['validity (fresh chat)', validityText(s.valid) + (s.fresh_answer ? ': answered ' + s.fresh_answer : '') +
                              (s.valid === null && s.answer_reason ? ' (' + s.answer_reason + ')' : '')],
    ['validity with history', validityText(s.valid_with_history) + (s.history_answer ? ': answered ' + s.history_answer : '')],
    ['edit', isNum(s.levenshtein) ? s.levenshtein + ' characters (normalised ' + fmtNum(s.levenshtein_normalized) + '), ' +
                                    s.sce_hunks + ' hunks, ' + s.sce_words + ' words' : '–'],
    ['minimal sub-edit', isNum(s.minimal_hunks) ? s.minimal_levenshtein + ' characters, ' + s.minimal_hunks + ' hunks; excess ' +
                         fmtNum(s.excess) + (s.censored ? '; censored: may not be 1-minimal' : '') + '; ' + s.queries + ' queries'
                         : 'not searched']];
  holder.appendChild(el('dl', {}, facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])));
  const plain = t => el('div', {class: 'diff'}, t);
  holder.appendChild(textBlock('original', s.original !== null ? plain(s.original) : el('p', {class: 'note'}, 'unknown: ' + s.original_note)));
  if (s.generated !== false || s.revised)
    holder.appendChild(textBlock('SCE (revised text)', s.sce_diff ? diffNode(s.sce_diff) : plain(s.revised)));
  if (isNum(s.minimal_hunks))
    holder.appendChild(textBlock('minimal flipping sub-edit', s.minimal_diff ? diffNode(s.minimal_diff) : plain(s.minimal)));
  for (const c of run.samples.filter(x => x.id === s.id && x.target === s.target)) {
    holder.appendChild(el('h5', {}, 'stage: ' + c.stage + (c.context ? ' (' + c.context + ')' : '') + (c.finish ? ' (finish: ' + c.finish + ')' : '')));
    for (const m of c.messages || []) holder.appendChild(el('div', {class: 'msg ' + (m.role === 'assistant' ? 'assistant' : 'user')},
                                                           el('b', {}, m.role), el('pre', {}, m.content)));
    holder.appendChild(el('div', {class: 'msg assistant reply'}, el('b', {}, 'assistant (raw reply)'), el('pre', {}, c.response)));
    if (c.error) holder.appendChild(el('p', {class: 'note'}, 'error: ' + c.error));
  }
}

async function renderTextRun(run, h) {
  h.textCounts.textContent = textCountsText(run);
  textSampleBrowser(run, h.textSamples);
  await renderTextEdits(run, h);
}
