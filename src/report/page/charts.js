// Chart embedding (Vega-Lite through vega-embed, SVG renderer), per-chart SVG export, and the
// charts other than the decision map: steps to the boundary, edits, validity vs RCF_A, stability, quiz.
'use strict';

const VIEWS = {};  // chart name -> Vega view
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';  // an identifier; nothing is fetched

const PENDING = new Set();  // renders in flight; tests await window.scevalIdle()
window.scevalIdle = async () => { while (PENDING.size) await Promise.allSettled([...PENDING]); };

function embedChart(holder, name, spec) {
  const p = embedNow(holder, name, spec);
  PENDING.add(p);
  p.finally(() => PENDING.delete(p)).catch(() => {});
  return p;
}

async function embedNow(holder, name, spec) {
  if (VIEWS[name]) { VIEWS[name].finalize(); delete VIEWS[name]; }
  holder.textContent = '';
  const target = el('div', {class: 'vega', dataset: {chart: name}});
  const save = el('button', {type: 'button', on: {click: async () =>
    download('sceval-' + name + '.svg', 'image/svg+xml', await VIEWS[name].toSVG())}}, 'SVG');
  holder.append(target, el('div', {class: 'exports'}, 'Export: ', save));
  // ast: Vega's expression interpreter (bundled in vega-embed) instead of Function(), so the page's
  // Content-Security-Policy needs no 'unsafe-eval'.
  const res = await vegaEmbed(target, Object.assign({$schema: SCHEMA}, spec), {renderer: 'svg', actions: false, ast: true});
  VIEWS[name] = res.view;
  scevalStatus.charts[name] = {marks: target.querySelectorAll('svg g.role-mark > *').length};
  return res.view;
}

function note(holder, text) { holder.textContent = ''; holder.appendChild(el('p', {class: 'note'}, text)); }

function stepsSpec(run) {
  const values = run.steps.counts.map(([step, n]) => ({step, n,
    side: step < 0 ? 'short: not the requested label' : 'past: the requested label'}));
  return {
    width: Math.max(240, 28 * values.length), height: 220, data: {values},
    mark: 'bar',
    encoding: {
      x: {field: 'step', type: 'ordinal', sort: 'ascending', axis: {labelAngle: 0}, title: 'grid steps from the boundary (−: short of it, +: past it)'},
      y: {field: 'n', type: 'quantitative', title: 'SCEs'},
      color: {field: 'side', type: 'nominal', title: null,
              scale: {domain: ['short: not the requested label', 'past: the requested label'], range: ['#d73027', '#1a9850']}},
      tooltip: [{field: 'step', title: 'steps'}, {field: 'n', title: 'SCEs'}]}};
}

function editsSpec(run) {
  const freq = run.edits.map(e => ({feature: e.feature, frac: e.of ? e.changed / e.of : 0, changed: e.changed, of: e.of}));
  const sizes = run.edits.flatMap(e => e.sizes.map(([size, n]) => ({feature: e.feature, size, n})));
  const bar = {
    width: 260, height: {step: 22}, data: {values: freq}, mark: 'bar',
    encoding: {y: {field: 'feature', type: 'nominal', sort: null, title: null},
               x: {field: 'frac', type: 'quantitative', axis: {format: '%'}, scale: {domain: [0, 1]}, title: 'SCEs that change the feature'},
               tooltip: [{field: 'feature'}, {field: 'changed'}, {field: 'of', title: 'SCEs with an end point'}]}};
  const size = {
    width: 260, height: {step: 22}, data: {values: sizes}, mark: 'bar',
    encoding: {y: {field: 'feature', type: 'nominal', sort: null, title: null},
               x: {field: 'n', type: 'quantitative', stack: 'zero', title: 'SCEs, by size of the change'},
               color: {field: 'size', type: 'quantitative', scale: {scheme: 'oranges'}, title: 'levels moved'},
               order: {field: 'size', type: 'quantitative'},
               tooltip: [{field: 'feature'}, {field: 'size', title: 'levels moved'}, {field: 'n', title: 'SCEs'}]}};
  return sizes.length ? {hconcat: [bar, size]} : bar;
}

function scatterRows(runs, mode) {
  return runs.filter(run => !isText(run)).map(run => {
    const m = (run.results[mode] || {}).metrics || {}, ci = (run.results[mode] || {}).ci || {};
    const v = ci.validity || [], r = ci.mean_rcf_a || [];
    return {run: run.name, model: run.model, variant: run.task, validity: m.validity, rcf_a: m.mean_rcf_a,
            v_lo: v[0], v_hi: v[1], r_lo: r[0], r_hi: r[1]};
  }).filter(d => isNum(d.validity) && isNum(d.rcf_a));
}

function scatterSpec(rows) {
  // padding (pixels beyond the domain's ends, no nice rounding after it): a run at 100 % validity or
  // at RCF_A 0 (the ideal corner) is drawn whole inside the plot, not cut in half by its edge.
  const x = {field: 'validity', type: 'quantitative', axis: {format: '%'}, scale: {domain: [0, 1], padding: 12, nice: false}, title: 'validity'};
  const y = {field: 'rcf_a', type: 'quantitative', title: 'mean RCF_A (0 = minimal)', scale: {zero: true, padding: 12, nice: false}, axis: {format: '.2~g'}};
  const ci = rows.filter(d => isNum(d.v_lo) && isNum(d.v_hi) && isNum(d.r_lo) && isNum(d.r_hi));
  return {
    width: 420, height: 300,
    layer: [
      {data: {values: ci}, mark: {type: 'rule', opacity: 0.5},
       encoding: {x: {...x, field: 'v_lo'}, x2: {field: 'v_hi'}, y, color: {field: 'variant', type: 'nominal'}}},
      {data: {values: ci}, mark: {type: 'rule', opacity: 0.5},
       encoding: {x, y: {...y, field: 'r_lo'}, y2: {field: 'r_hi'}, color: {field: 'variant', type: 'nominal'}}},
      {data: {values: rows}, mark: {type: 'point', filled: true, size: 90},
       encoding: {x, y, color: {field: 'variant', type: 'nominal', title: 'prompt variant (task)'},
                  shape: {field: 'model', type: 'nominal', title: 'model'},
                  tooltip: [{field: 'run'}, {field: 'model'}, {field: 'variant'},
                            {field: 'validity', format: '.1%'}, {field: 'rcf_a', title: 'mean RCF_A', format: '.4f'}]}}]};
}

function stabilitySpec(run, view) {
  const s = run.stability, cells = sliceCells(run, view, i => s.agreement[i]);
  return mapLayerSpec(run, view, cells, {field: 'v', type: 'quantitative', title: 'agreement with the majority',
                                         scale: {domain: [0, 1], scheme: 'viridis'}}, []);
}

function quizSpec(q) {
  const values = Object.entries(q.by_status || {}).map(([status, n]) => ({status, n}));
  return {width: 260, height: {step: 22}, data: {values}, mark: 'bar',
          encoding: {y: {field: 'status', type: 'nominal', title: 'answer status'},
                     x: {field: 'n', type: 'quantitative', title: 'quiz items'}}};
}
