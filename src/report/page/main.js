// Page layout and state: cross-run tables and scatter, then one run at a time (decision map,
// steps to the boundary, edits, stability, quiz, samples). Text-audit runs have no decision map: the
// grid sections are left out of a page without grid runs and hidden while a text run is shown, and
// text.js draws theirs. Writes window.scevalStatus for tests.
'use strict';

const RUN_CHARTS = ['decision_map', 'steps', 'edits', 'stability', 'quiz', 'text_edits'];
for (const run of DATA.runs) if (!isText(run) && !run.labels) run.asked = new Map(run.asked_labels);  // lazy decision maps
const state = {run: 0, views: DATA.runs.map(r => isText(r) ? null : defaultView(r)), scatterMode: 'strict'};

function defaultView(run) {
  const d = run.axes.length;
  // Hold the other features where most SCEs start, so the first slice shows arrows.
  const counts = new Map();
  for (const s of run.sces) {
    const key = JSON.stringify(s.from.map((l, k) => k < 2 ? 0 : l));
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  let best = JSON.stringify(run.axes.map(() => 0)), most = 0;
  for (const [key, n] of counts) if (n > most) { best = key; most = n; }
  return {x: 0, y: d > 1 ? 1 : 0, fixed: JSON.parse(best), colour: run.p ? String(run.options.length - 1) : 'label',
          arrows: 'all', count: 'sample', region: null};
}

function section(id, title, ...children) { return el('section', {id}, el('h2', {}, title), ...children); }

function header() {
  const runs = DATA.runs;
  return el('header', {}, el('h1', {}, 'sceval report'),
    el('p', {}, runs.length + ' run' + (runs.length === 1 ? '' : 's') + ': ' + runs.map(r => r.name).join(', ') +
      '. Rates are percentages; brackets are bootstrap confidence intervals.' +
      (runs.some(r => !isText(r)) ? ' Strict = exact arithmetic, paper = the paper\'s scorer.' : '')));
}

async function renderScatter(holder) {
  const rows = scatterRows(DATA.runs, state.scatterMode);
  if (!rows.length) { delete scevalStatus.charts.scatter; return note(holder, 'No run has both a validity and a mean RCF_A.'); }
  await embedChart(holder, 'scatter', scatterSpec(rows));
}

function mapControls(run, view, rerender) {
  const feats = run.axes.map((a, k) => [k, a.name]);
  const controls = [
    el('label', {}, 'x ', select(feats, view.x, v => { view.x = Number(v); view.region = null; rerender(); }, {id: 'map-x'})),
    el('label', {}, ' y ', select(feats, view.y, v => { view.y = Number(v); view.region = null; rerender(); }, {id: 'map-y'}))];
  run.axes.forEach((a, k) => {
    if (k === view.x || k === view.y) return;
    controls.push(el('label', {}, ' ' + a.name + ' = ',
      select(a.values.map((v, j) => [j, v]), view.fixed[k], v => { view.fixed[k] = Number(v); rerender(); }, {dataset: {feature: k}})));
  });
  const colours = [['label', 'label']].concat(run.p ? run.options.map((o, j) => [String(j), 'p(' + o + ')']) : []);
  controls.push(el('label', {}, ' colour ', select(colours, view.colour, v => { view.colour = v; rerender(); }, {id: 'map-colour'})));
  controls.push(el('label', {}, ' SCEs ', select([['all', 'all'], ['valid', 'valid'], ['invalid', 'invalid'], ['none', 'none']],
                                                 view.arrows, v => { view.arrows = v; rerender(); }, {id: 'map-arrows'})));
  controls.push(el('label', {}, ' show ', select([['sample', 'a sample (≤ ' + ARROW_LIMIT + ')'], ['all', 'all of them'],
                                                  ['region', 'those from the clicked region']],
                                                 view.count, v => { view.count = v; rerender(); }, {id: 'map-count'})));
  return el('div', {class: 'controls'}, controls);
}

function showPoint(run, i, holder) {
  const st = strides(run.axes), c = coordsOf(run.axes, st, i);
  holder.textContent = '';
  holder.appendChild(el('h4', {}, 'Point ' + i + ': ' + recordText(run.axes, c) + ' → ' + labelText(run, labelAt(run, i))));
  const sces = run.sces.filter(s => s.index === i);
  if (!sces.length) holder.appendChild(el('p', {class: 'note'}, 'No SCE was asked for this point.'));
  for (const s of sces)
    holder.appendChild(el('p', {}, 'asked for “' + s.target + '”: SCE ' +
      (s.to ? recordText(run.axes, s.to) : '(' + s.status + ')') + ' — ' +
      (s.valid === null ? 'not scored' : s.valid ? 'valid' : 'invalid') +
      (s.steps === null ? '' : ', ' + s.steps + ' steps from the boundary') +
      '; closest counterfactual (◆): ' + (s.closest ? recordText(run.axes, s.closest) : '–')));
}

function arrowNote(view, arrows, total) {
  if (view.arrows === 'none') return 'No arrows (SCEs: none).';
  const what = total + ' SCE' + (total === 1 ? '' : 's') + (view.arrows === 'all' ? '' : ' (' + view.arrows + ')') + ' start in this slice';
  if (view.count === 'region')
    return view.region ? 'Arrows from the outlined region: ' + arrows + ' of the ' + what + '.'
                       : 'Click a cell to show the arrows from its region (' + what + ').';
  if (arrows < total)
    return 'Showing ' + arrows + ' of the ' + what + ': a fixed sample spread over the map, in proportion to valid / invalid ' +
           'and in / out of the slice. Choose “all of them” or click a region to see more.';
  return 'Showing all ' + arrows + ' arrows: ' + what + '.';
}

async function renderMap(run, view, h, rerender) {
  const {spec, cells, arrows, total} = decisionMapSpec(run, view);
  h.arrowNote.textContent = arrowNote(view, arrows, total);
  const v = await embedChart(h.map, 'decision_map', spec);
  Object.assign(scevalStatus.charts.decision_map, {cells, arrows, arrows_total: total,
    rendered_cells: h.map.querySelector('svg g.role-mark.mark-rect').childElementCount});
  v.addEventListener('click', (event, item) => {
    if (!item || !item.datum || item.datum.i === undefined) return;
    view.sel = item.datum.i;
    showPoint(run, item.datum.i, h.point);
    selectRegion(run, view, item.datum.i);
    if (view.count === 'region') rerender();
    else v.signal('sel', view.sel).runAsync();
  });
  return v;
}

// The region (block of the slice) holding grid point i.
function selectRegion(run, view, i) {
  const c = coordsOf(run.axes, strides(run.axes), i);
  const r = regionOf(run, view, c[view.x], c[view.y]);
  view.region = {rx: r.rx, ry: r.ry, cx: c[view.x], cy: c[view.y]};
}

async function renderRun(r, holders) {
  for (const name of RUN_CHARTS) { if (VIEWS[name]) { VIEWS[name].finalize(); delete VIEWS[name]; } delete scevalStatus.charts[name]; }
  const run = DATA.runs[r], view = state.views[r];
  const h = holders;
  h.title.textContent = run.name + ' — ' + run.model + ' — task ' + run.task + (isText(run) ? ' (text audit)' : '');
  for (const sec of h.gridSections) sec.hidden = isText(run);
  for (const sec of h.textSections) sec.hidden = !isText(run);
  if (isText(run)) return renderTextRun(run, h);
  const rerender = async () => {
    h.controls.replaceWith(h.controls = mapControls(run, view, rerender));
    const jobs = [renderMap(run, view, h, rerender)];
    if (run.stability && sameAxes(run)) jobs.push(embedChart(h.stabilityChart, 'stability', stabilitySpec(run, view)));
    await Promise.all(jobs);
  };
  h.point.textContent = 'Click a cell to see its SCEs and its closest counterfactual.';
  const jobs = [rerender()];
  jobs.push(run.steps.counts.length ? embedChart(h.steps, 'steps', stepsSpec(run))
            : note(h.steps, run.lazy ? 'Steps to the boundary need the full decision map: this lazy run asked the labels of ' +
                                       run.asked.size + ' of ' + run.results.task.grid_points + ' points (white cells: not asked).'
                                     : 'No SCE ends on the grid.'));
  h.stepsNote.textContent = run.lazy ? '' : run.steps.no_end_point + ' SCEs have no end point on the grid (unparsed or off-grid); ' +
    run.steps.unreachable + ' request a label the map never gives.';
  jobs.push(run.edits.some(e => e.of) ? embedChart(h.edits, 'edits', editsSpec(run)) : note(h.edits, 'No SCE ends on the grid.'));
  renderStability(run, h);
  renderQuiz(run, h, jobs);
  renderSimulate(run, h);
  // Picking a sample moves the map to the slice holding its point and selects it.
  sampleBrowser(run, h.samples, i => {
    coordsOf(run.axes, strides(run.axes), i).forEach((l, k) => { if (k !== view.x && k !== view.y) view.fixed[k] = l; });
    view.sel = i;
    selectRegion(run, view, i);
    showPoint(run, i, h.point);
    return rerender();
  });
  await Promise.all(jobs);
}

function sameAxes(run) {
  const f = run.stability.features || [];
  return f.length === run.axes.length && f.every((a, k) => a.name === run.axes[k].name &&
    JSON.stringify(a.values.map(String)) === JSON.stringify(run.axes[k].values));
}

function renderStability(run, h) {
  h.stability.hidden = !run.stability;
  h.stabilityChart.textContent = '';
  if (!run.stability) return;
  const s = run.stability;
  h.stabilityText.textContent = 'Variants: ' + (s.variants || []).join(', ') + '. Unanimous points: ' + fmtRate(s.unanimous_fraction) +
    '; boundary band width: ' + fmtNum(s.boundary_band_width) + ' (' + (s.band_definition || '') + ')' +
    (sameAxes(run) ? '' : '. Its grid differs from this run\'s, so no map is drawn.');
}

function renderQuiz(run, h, jobs) {
  h.quiz.hidden = !run.quiz;
  if (!run.quiz) return;
  const q = run.quiz;
  h.quizText.textContent = 'Gower quiz (task ' + q.task + ', model ' + q.model + ', seed ' + q.seed + '): ' + q.correct + ' of ' +
    q.n_answered + ' answered correctly (' + q.n_items + ' items); accuracy ' + fmtRate(q.accuracy) + ' ' + fmtCi(q.ci, true) + '.';
  jobs.push(Object.keys(q.by_status || {}).length ? embedChart(h.quizChart, 'quiz', quizSpec(q)) : note(h.quizChart, 'No answers.'));
}

// simulate.json: one row per explanation kind and observer (and the pool of several observers).
function renderSimulate(run, h) {
  h.simulate.hidden = !run.simulate;
  h.simulateTable.textContent = '';
  if (!run.simulate) return;
  const s = run.simulate, body = [];
  h.simulateText.textContent = 'Observers predict the model at ' + s.n_items + ' points near ' + s.n_references +
    ' reference points (1 to ' + s.settings.hamming + ' features changed), without and with its explanation. ' +
    'NSG = gain / (1 - accuracy without); 95% cluster-bootstrap CIs (docs/simulate.md).';
  const head = ['explanation', 'observer', 'n', 'accuracy without', 'accuracy with', 'gain', 'NSG', 'NSG 95% CI',
                'egregious rate'].map(t => el('th', {}, t));
  for (const [kind, m] of Object.entries(s.metrics)) {
    const groups = Object.entries(m.observers);
    if (groups.length > 1) groups.push(['(pooled)', m.pooled]);
    groups.forEach(([name, g], k) => body.push(el('tr', {}, ...[kind, name, String(g.n), fmtRate(g.accuracy_without),
      fmtRate(g.accuracy_with), fmtNum(g.gain), fmtNum(g.nsg), fmtCi(g.ci.nsg), k === groups.length - 1 ? fmtRate(m.egregious_rate_with) : '']
      .map(t => el('td', {}, t)))));
  }
  h.simulateTable.append(el('table', {}, el('thead', {}, el('tr', {}, ...head)), el('tbody', {}, ...body)));
}

async function main() {
  const app = document.getElementById('app');
  const summary = summaryModel(DATA.runs), status = statusModel(DATA.runs), summaryTable = tableElement(summary);
  const scatter = el('div', {class: 'chart'});
  const h = {title: el('h2', {}), controls: el('div'), arrowNote: el('p', {class: 'note', id: 'map-arrow-note'}), map: el('div', {class: 'chart'}), point: el('div', {class: 'point', id: 'point-detail'}),
             steps: el('div', {class: 'chart'}), stepsNote: el('p', {class: 'note'}), edits: el('div', {class: 'chart'}),
             stabilityChart: el('div', {class: 'chart'}), stabilityText: el('p'), quizChart: el('div', {class: 'chart'}), quizText: el('p'),
             simulateText: el('p'), simulateTable: el('div'), samples: el('div')};
  h.stability = section('stability', 'Decision-boundary stability', h.stabilityText, h.stabilityChart);
  h.quiz = section('quiz', 'Gower quiz', h.quizText, h.quizChart);
  h.simulate = section('simulate', 'Simulatability: do the model\'s explanations help observers predict it?', h.simulateText, h.simulateTable);
  const anyGrid = DATA.runs.some(r => !isText(r)), anyText = DATA.runs.some(isText);
  h.gridSections = anyGrid ? [
    section('map', 'Decision map and SCEs', h.controls, h.arrowNote, el('div', {class: 'map-row'}, h.map, h.point)),
    section('steps', 'Where SCEs end, relative to the model\'s boundary', h.steps, h.stepsNote),
    section('edits', 'Which features SCEs change, and by how much', h.edits),
    h.stability, h.quiz, h.simulate,
    section('samples', 'Sample browser', h.samples)] : [];
  h.textSections = anyText ? textSections(h) : [];
  const runPick = select(DATA.runs.map((r, j) => [j, r.name]), 0, v => showRun(Number(v)), {id: 'run-select'});
  app.append(...[header(), ...(anyGrid ? [
    section('summary', 'Summary in both scoring modes (paper drops every row with an unusable answer; strict drops only rows without a turn-1 answer and counts an unusable SCE as invalid); baselines beside the model', columnToggle(summaryTable, summary), summaryTable,
            exportButtons(summary)),
    section('status', 'Counts by parse status', tableElement(status), exportButtons(status)),
    section('scatter', 'Validity vs mean RCF_A across runs',
      el('div', {class: 'controls'}, el('label', {}, 'mode ', select([['strict', 'strict'], ['paper', 'paper']], 'strict',
        v => { state.scatterMode = v; renderScatter(scatter); }, {id: 'scatter-mode'}))), scatter),
    compareSection()] : []),
    anyText ? textMetricsSection() : null,
    el('div', {class: 'run-pick'}, el('label', {}, 'Run: ', runPick)),
    el('article', {id: 'run'}, h.title, ...h.gridSections, ...h.textSections)].filter(Boolean));  // (no before / after section: null)
  const showRun = async r => { state.run = r; runPick.value = String(r); await renderRun(r, h); writeStatus(); };
  window.scevalShowRun = showRun;
  await Promise.all([anyGrid ? renderScatter(scatter) : null, showRun(0)]);
  scevalStatus.done = true;
  writeStatus();
}

function textMetricsSection() {
  const model = textMetricsModel(DATA.runs);
  return section('text-metrics', 'Text audits: metrics over all rows and per requested label (95% bootstrap CIs over items; ' +
    'validity leaves NA answers out; excess = 1 − minimal / SCE Levenshtein, censored searches left out)',
    tableElement(model), exportButtons(model));
}

function textSections(h) {
  Object.assign(h, {textCounts: el('p', {id: 'text-counts'}), textEdits: el('div', {class: 'chart'}),
                    textEditsNote: el('p', {class: 'note'}), textSamples: el('div')});
  h.textUnit = select([['hunks', 'hunks'], ['characters', 'characters']], 'hunks',
                      () => renderTextEdits(DATA.runs[state.run], h), {id: 'text-edits-unit'});
  return [section('text-counts-section', 'Rows and searches', h.textCounts),
          section('text-edits', 'SCE edit size vs its minimal flipping sub-edit',
                  el('div', {class: 'controls'}, el('label', {}, 'size in ', h.textUnit)), h.textEdits, h.textEditsNote),
          section('text-samples', 'Sample browser: original → SCE → minimal sub-edit', h.textSamples)];
}

function writeStatus() { document.getElementById('sceval-status').textContent = JSON.stringify(scevalStatus); }

window.addEventListener('DOMContentLoaded', () => main().catch(e => {
  scevalStatus.errors.push('main: ' + (e && e.stack || e));
  scevalStatus.done = true;
  writeStatus();
}));
