// Sample browser: the SCEs of a run filtered by parse status and validity; for a chosen SCE its
// record, its closest counterfactual and the raw conversation (model text shown as text only).
'use strict';

function sampleBrowser(run, holder, onPick) {
  holder.textContent = '';
  const statuses = [...new Set(run.sces.map(s => s.status))].sort();
  const state = {status: 'all', validity: 'all'};
  const list = el('div', {class: 'sample-list'});
  const detail = el('div', {class: 'sample-detail', id: 'sample-detail'});
  const redraw = () => {
    const rows = run.sces.map((s, row) => ({s, row})).filter(({s}) =>
      (state.status === 'all' || s.status === state.status) &&
      (state.validity === 'all' || String(s.valid) === state.validity));
    list.textContent = '';
    const shown = rows.slice(0, 500);
    list.appendChild(el('p', {class: 'note'}, rows.length + ' SCEs match' + (rows.length > shown.length ? ' (first 500 listed)' : '')));
    const body = shown.map(({s, row}) => el('tr', {class: 'pick', dataset: {row}, on: {click: () => {
      showSample(run, row, detail);
      if (onPick) onPick(s.index);
    }}}, [row + 1, s.index, s.target, s.status, s.valid === null ? '–' : s.valid ? 'valid' : 'invalid',
          s.steps === null ? '–' : (s.steps > 0 ? '+' : '') + s.steps].map(t => el('td', {}, t))));
    list.appendChild(el('table', {id: 'sample-table'},
      el('thead', {}, el('tr', {}, ['#', 'index', 'requested label', 'status', 'strict', 'steps'].map(h => el('th', {}, h)))),
      el('tbody', {}, body)));
  };
  holder.append(el('div', {class: 'controls'},
    el('label', {}, 'status ', select([['all', 'all']].concat(statuses.map(s => [s, s])), 'all', v => { state.status = v; redraw(); }, {id: 'filter-status'})),
    el('label', {}, ' strict validity ', select([['all', 'all'], ['true', 'valid'], ['false', 'invalid'], ['null', 'not scored']], 'all',
                                               v => { state.validity = v; redraw(); }, {id: 'filter-validity'}))),
    el('div', {class: 'samples'}, list, detail));
  redraw();
  if (run.sces.length) showSample(run, 0, detail);
}

function showSample(run, row, holder) {
  const s = run.sces[row];
  const st = strides(run.axes);
  holder.textContent = '';
  const from = coordsOf(run.axes, st, s.index);
  const facts = [
    ['original', recordText(run.axes, from)],
    ['requested label', s.target],
    ['SCE', run.axes.map((a, k) => a.name + ' = ' + s.sce[k]).join(', ')],
    ['status', s.status],
    ['strict / paper', (s.valid === null ? '–' : s.valid ? 'valid' : 'invalid') + ' / ' +
                       (s.paper_valid === null ? '–' : s.paper_valid ? 'valid' : 'invalid')],
    ['steps from the boundary', s.steps === null ? '–' : String(s.steps)],
    ['closest counterfactual', s.closest ? recordText(run.axes, s.closest) : '–'],
    ['distance / RCF_A', fmtNum(s.distance) + ' / ' + fmtNum(s.rcf_a)]];
  holder.appendChild(el('h4', {}, 'SCE #' + (row + 1) + ' (sces.csv line ' + s.line + ')'));
  holder.appendChild(el('dl', {}, facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])));
  const calls = run.samples.filter(x => x.index === s.index && (x.target === undefined || x.target === s.target));
  if (!calls.length) {
    holder.appendChild(el('p', {class: 'note'}, run.samples.length ? 'No recorded conversation for this SCE.'
                                                                   : 'This run has no samples.jsonl (scored from CSV files).'));
    return;
  }
  for (const c of calls) {
    holder.appendChild(el('h5', {}, 'stage: ' + c.stage + (c.finish ? ' (finish: ' + c.finish + ')' : '')));
    for (const m of c.messages || []) holder.appendChild(el('div', {class: 'msg ' + (m.role === 'assistant' ? 'assistant' : 'user')},
                                                           el('b', {}, m.role), el('pre', {}, m.content)));
    holder.appendChild(el('div', {class: 'msg assistant reply'}, el('b', {}, 'assistant (raw reply)'), el('pre', {}, c.response)));
    if (c.error) holder.appendChild(el('p', {class: 'note'}, 'error: ' + c.error));
  }
}
