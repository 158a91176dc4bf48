// Summary tables (both scoring modes: paper drops rows with unusable answers, strict counts an
// unusable SCE invalid; baselines; parse status) and their CSV / Markdown / LaTeX export.
'use strict';

const METRICS = [  // [key, header, kind]; kind 'rate' prints a percentage
  ['n', 'N', 'int'], ['validity', 'validity', 'rate'], ['mean_distance', 'mean dist', 'num'],
  ['median_rcf', 'median RCF', 'num'], ['mean_rcf', 'mean RCF', 'num'],
  ['median_rcf_a', 'median RCF_A', 'num'], ['mean_rcf_a', 'mean RCF_A', 'num'],
  ['median_icf', 'median ICF', 'num'], ['mean_icf', 'mean ICF', 'num'],
  ['median_icf_a', 'median ICF_A', 'num'], ['mean_icf_a', 'mean ICF_A', 'num'],
  ['tm', 'TM', 'num'], ['tm_a', 'TM_A', 'num'], ['exact_match', 'exact match', 'rate']];

// Columns a laptop screen shows by default; the others appear with "all columns" (exports have all).
const SUMMARY_COMMON = new Set(['run', 'mode', 'source', 'N', 'validity', 'mean dist', 'median RCF_A', 'mean RCF_A', 'exact match']);

function metricText(kind, v) { return kind === 'int' ? (isNum(v) ? String(v) : '–') : kind === 'rate' ? fmtRate(v) : fmtNum(v); }

// A table model: {columns: [..], rows: [{cells: [{text, value?, key?}], attrs}]} -> DOM + exports.
function summaryModel(runs) {
  const columns = ['run', 'model', 'task', 'mode', 'source'].concat(METRICS.map(m => m[1]));
  const rows = [];
  const add = (run, r, mode, source, block) => {
    const cells = [run.name, run.model, run.task, mode, source].map(t => ({text: t}));
    for (const [key, , kind] of METRICS) {
      const v = block.metrics ? block.metrics[key] : undefined;
      const ci = block.ci ? block.ci[key] : undefined;
      const text = metricText(kind, v) + (ci ? ' ' + fmtCi(ci, kind === 'rate') : '');
      cells.push({text, value: v === undefined ? null : v, key, ci});
    }
    rows.push({cells, run: r, mode, source});
  };
  runs.forEach((run, r) => {
    if (isText(run)) return;  // text runs: their own table (text.js)
    for (const mode of ['paper', 'strict']) {
      add(run, r, mode, 'model', run.results[mode] || {});
      const b = run.results.baselines || {};
      for (const name of Object.keys(b)) if (b[name] && b[name][mode]) add(run, r, mode, 'baseline: ' + name, b[name][mode]);
    }
  });
  return {columns, rows, name: 'summary', rare: columns.map(c => !SUMMARY_COMMON.has(c))};
}

function statusModel(runs) {
  const statuses = [...new Set(runs.flatMap(run => ['paper', 'strict'].flatMap(m =>
    Object.keys(((run.results[m] || {}).counts || {}).by_status || {}))))].sort();
  const keys = ['total', 'kept', 'dropped', 'valid', 'invalid'];
  const columns = ['run', 'mode'].concat(keys, statuses.map(s => 'status ' + s), ['dropped by reason']);
  const rows = [];
  runs.forEach((run, r) => {
    if (isText(run)) return;
    for (const mode of ['paper', 'strict']) {
      const c = (run.results[mode] || {}).counts || {};
      const cells = [{text: run.name}, {text: mode}];
      for (const k of keys) cells.push({text: isNum(c[k]) ? String(c[k]) : '–', value: c[k], key: 'counts.' + k});
      for (const s of statuses) {
        const v = (c.by_status || {})[s] || 0;
        cells.push({text: String(v), value: v, key: 'by_status.' + s});
      }
      cells.push({text: Object.entries(c.dropped_by_reason || {}).map(([k, v]) => k + ': ' + v).join(', ')});
      rows.push({cells, run: r, mode});
    }
  });
  return {columns, rows, name: 'status'};
}

function tableElement(model) {
  const rare = j => model.rare && model.rare[j] ? 'rare' : null;
  const head = el('tr', {}, model.columns.map((c, j) => el('th', {class: rare(j)}, c)));
  const body = model.rows.map(row => el('tr', {}, row.cells.map((c, j) => el('td', {
    class: [c.key ? 'num' : null, rare(j)].filter(Boolean).join(' ') || null,
    dataset: c.key ? {run: row.run, mode: row.mode, source: row.source || 'model', key: c.key,
                      value: JSON.stringify(c.value === undefined ? null : c.value)} : null}, c.text))));
  return el('table', {id: 'table-' + model.name}, el('thead', {}, head), el('tbody', {}, body));
}

const texEscape = s => String(s).replace(/[\\{}$&%#_^~]/g, ch =>
  ({'\\': '\\textbackslash{}', '^': '\\^{}', '~': '\\~{}'})[ch] || '\\' + ch);
const csvField = s => /[",\n\r]/.test(s) ? '"' + String(s).replace(/"/g, '""') + '"' : String(s);

function exportTable(model, format) {
  const rows = model.rows.map(r => r.cells.map(c => c.text));
  if (format === 'csv') {  // raw values, full precision
    const raw = model.rows.map(r => r.cells.map(c => c.key ? (c.value === null || c.value === undefined ? '' : c.value) : c.text));
    return [model.columns, ...raw].map(r => r.map(csvField).join(',')).join('\n') + '\n';
  }
  if (format === 'md') {
    const md = r => '| ' + r.map(s => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ') + ' |';
    return [md(model.columns), md(model.columns.map(() => '---')), ...rows.map(md)].join('\n') + '\n';
  }
  const tex = r => r.map(texEscape).join(' & ') + ' \\\\';
  return ['\\begin{tabular}{' + 'l'.repeat(model.columns.length) + '}', '\\hline', tex(model.columns), '\\hline',
          ...rows.map(tex), '\\hline', '\\end{tabular}'].join('\n') + '\n';
}

// A toggle for the columns marked rare (hidden until checked).
function columnToggle(table, model) {
  const n = (model.rare || []).filter(Boolean).length;
  if (!n) return null;
  table.classList.add('compact');
  const box = el('input', {type: 'checkbox', id: 'columns-' + model.name});
  box.addEventListener('change', () => table.classList.toggle('compact', !box.checked));
  const names = model.columns.filter((c, j) => model.rare[j]).join(', ');
  return el('label', {class: 'toggle'}, box, ' all columns (' + n + ' more: ' + names + ')');
}

function exportButtons(model) {
  const kinds = [['csv', 'CSV', 'text/csv'], ['md', 'Markdown', 'text/markdown'], ['tex', 'LaTeX', 'application/x-tex']];
  return el('div', {class: 'exports'}, 'Export: ', kinds.map(([ext, label, type]) =>
    el('button', {type: 'button', on: {click: () => download('sceval-' + model.name + '.' + ext, type, exportTable(model, ext))}}, label)));
}
