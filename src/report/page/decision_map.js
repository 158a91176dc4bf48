// The decision map: the model's label at every grid point of a 2-D slice (the other features held
// at chosen values), its boundary (or the 0.5 contour of a label probability), the SCEs as arrows
// from the original point to the SCE, and the closest counterfactual of a selected point.
'use strict';

// view: {x, y: feature positions, fixed: level per feature (used for the others), colour: 'label' | option}
function inSlice(view, c) { return c.every((l, k) => k === view.x || k === view.y || l === view.fixed[k]); }

// The grid points of the slice, enumerated directly (not by scanning the grid), in index order.
function sliceCells(run, view, valueOf) {
  const st = strides(run.axes), out = [];
  const base = view.fixed.reduce((sum, l, k) => k === view.x || k === view.y ? sum : sum + l * st[k], 0);
  const nx = run.axes[view.x].values.length, ny = view.y === view.x ? 1 : run.axes[view.y].values.length;
  for (let a = 0; a < nx; ++a)
    for (let b = 0; b < ny; ++b) {
      const i = base + a * st[view.x] + (view.y === view.x ? 0 : b * st[view.y]);
      const c = coordsOf(run.axes, st, i);
      out.push({i, cx: c[view.x], cy: c[view.y], x0: c[view.x] - 0.5, x1: c[view.x] + 0.5, y0: c[view.y] - 0.5, y1: c[view.y] + 0.5,
                rec: recordText(run.axes, c), v: valueOf(i)});
    }
  return out.sort((p, q) => p.i - q.i);
}

// A point's label: an option position, -1 NA, -2 off-label, -3 not asked (lazy decision maps list
// only the points they asked: run.asked maps index -> label, run.labels is null).
function labelAt(run, i) { return run.labels ? run.labels[i] : run.asked.has(i) ? run.asked.get(i) : -3; }

function labelText(run, l) { return l >= 0 ? run.options[l] : l === -1 ? 'NA' : l === -3 ? 'not asked' : 'off-label'; }

function sliceEdges(run, view, edges) {
  const st = strides(run.axes), out = [];
  for (const [i, k] of edges) {
    if (k !== view.x && k !== view.y) continue;
    const c = coordsOf(run.axes, st, i);
    if (!inSlice(view, c)) continue;
    const x = c[view.x], y = c[view.y];
    out.push(k === view.x ? {x0: x + 0.5, x1: x + 0.5, y0: y - 0.5, y1: y + 0.5}
                          : {x0: x - 0.5, x1: x + 0.5, y0: y + 0.5, y1: y + 0.5});
  }
  return out;
}

// Pixels per level on x and y: the map fits about 640 x 420 pixels.
function cellSize(ax, ay) {
  const fit = (n, px) => Math.max(4, Math.min(40, Math.floor(px / n)));
  return [fit(ax.values.length, 640), fit(ay.values.length, 420)];
}

// Every SCE that starts in the slice and ends on the grid, as an arrow (kind: strict validity).
function sliceArrows(run, view, which) {
  const out = [];
  const [cw, ch] = cellSize(run.axes[view.x], run.axes[view.y]);
  run.sces.forEach((s, row) => {
    if (!s.to || !inSlice(view, s.from)) return;
    const kind = s.valid === true ? 'valid' : s.valid === false ? 'invalid' : 'not scored';
    if (which !== 'all' && which !== kind) return;
    const fx = s.from[view.x], fy = s.from[view.y], tx = s.to[view.x], ty = s.to[view.y];
    out.push({row, index: s.index, x0: fx, y0: fy, x1: tx, y1: ty, kind, target: s.target,
              leaves: inSlice(view, s.to) ? 'in this slice' : 'other features changed too',
              angle: Math.atan2((tx - fx) * cw, (ty - fy) * ch) * 180 / Math.PI});  // on screen, clockwise from up
  });
  return out;
}

// Regions of the slice: about 8 x 8 blocks of cells. The sample spreads over them, and "from the
// selected region" shows every arrow starting in the clicked cell's block.
const ARROW_LIMIT = 300;
function regionOf(run, view, cx, cy) {
  const bx = Math.ceil(run.axes[view.x].values.length / 8), by = Math.ceil(run.axes[view.y].values.length / 8);
  const rx = Math.floor(cx / bx), ry = Math.floor(cy / by);
  return {rx, ry, x0: rx * bx - 0.5, x1: Math.min((rx + 1) * bx, run.axes[view.x].values.length) - 0.5,
          y0: ry * by - 0.5, y1: Math.min((ry + 1) * by, run.axes[view.y].values.length) - 0.5};
}

// A deterministic stratified sample of at most `limit` arrows. Strata: region x validity x whether
// the SCE leaves the slice. Quotas are proportional (largest remainder), but every stratum gets one
// arrow before any gets a second, while the budget lasts, so rare kinds stay visible. Within a
// stratum the picks are evenly spaced in sces.csv order.
function sampleArrows(arrows, limit, regionKey) {
  if (arrows.length <= limit) return arrows;
  const strata = new Map();
  for (const a of arrows) {
    const key = regionKey(a) + '|' + a.kind + '|' + a.leaves;
    if (!strata.has(key)) strata.set(key, []);
    strata.get(key).push(a);
  }
  const groups = [...strata.values()];
  const want = groups.map(g => limit * g.length / arrows.length);
  const quota = want.map(w => Math.floor(w));
  let left = limit - quota.reduce((a, b) => a + b, 0);
  const order = groups.map((_, j) => j).sort((a, b) =>
    (quota[a] > 0) - (quota[b] > 0) || (want[b] - quota[b]) - (want[a] - quota[a]) || groups[a][0].row - groups[b][0].row);
  for (const j of order) { if (left <= 0) break; if (quota[j] < groups[j].length) { ++quota[j]; --left; } }
  const out = [];
  groups.forEach((g, j) => { for (let t = 0; t < quota[j]; ++t) out.push(g[Math.floor((t + 0.5) * g.length / quota[j])]); });
  return out.sort((a, b) => a.row - b.row);
}

// The arrows to draw: view.count is 'sample' (default), 'all' or 'region' (view.region: {rx, ry}).
function shownArrows(run, view) {
  const all = view.arrows === 'none' ? [] : sliceArrows(run, view, view.arrows);
  const key = a => { const r = regionOf(run, view, a.x0, a.y0); return r.rx + ',' + r.ry; };
  let shown = all;
  if (view.count === 'region') shown = view.region ? all.filter(a => key(a) === view.region.rx + ',' + view.region.ry) : [];
  else if (view.count !== 'all') shown = sampleArrows(all, ARROW_LIMIT, key);
  return {shown, total: all.length};
}

// The layers every map-like chart shares: cells coloured by `fill`, boundary rules.
// Position encodings of a map: level positions, axis labelled with the feature's values.
function mapPos(a, lab, field) {
  const axis = {values: a.values.map((_, j) => j), labelExpr: lab + '[datum.value]', title: a.name,
                grid: false, labelLimit: 220, labelOverlap: true};
  if (lab === 'yl') Object.assign(axis, {titleAngle: 0, titleX: -6, titleY: -8, titleAlign: 'right', titleBaseline: 'bottom'});
  return {field, type: 'quantitative', scale: {domain: [-0.5, a.values.length - 0.5], nice: false, zero: false}, axis};
}

function mapLayerSpec(run, view, cells, fill, edges) {
  const ax = run.axes[view.x], ay = run.axes[view.y];
  const [cw, ch] = cellSize(ax, ay);
  const layer = [
    {data: {values: cells}, mark: {type: 'rect', name: 'cells'},
     encoding: {x: mapPos(ax, 'xl', 'x0'), x2: {field: 'x1'}, y: mapPos(ay, 'yl', 'y0'), y2: {field: 'y1'},
                fill, tooltip: [{field: 'rec', title: 'point'}, {field: 'i', title: 'index'}, {field: 'v', title: fill.title}]}}];
  if (edges.length)
    layer.push({data: {values: edges}, mark: {type: 'rule', stroke: '#111', strokeWidth: 2.5, name: 'boundary'},
                encoding: {x: mapPos(ax, 'xl', 'x0'), x2: {field: 'x1'}, y: mapPos(ay, 'yl', 'y0'), y2: {field: 'y1'}}});
  return {width: cw * ax.values.length, height: ch * ay.values.length,
          params: [{name: 'xl', value: ax.values}, {name: 'yl', value: ay.values}, {name: 'sel', value: view.sel === undefined ? -1 : view.sel}], layer};
}

function decisionMapSpec(run, view) {
  const soft = view.colour !== 'label';
  const o = soft ? Number(view.colour) : -1;
  const cells = sliceCells(run, view, i => soft ? run.p[o][i] : labelText(run, labelAt(run, i)));
  const fill = soft
    ? {field: 'v', type: 'quantitative', title: 'p(' + run.options[o] + ')', scale: {domain: [0, 1], scheme: 'blueorange'}}
    : {field: 'v', type: 'nominal', title: 'label',
       legend: {symbolStrokeColor: '#999', symbolStrokeWidth: 0.5},
       scale: {domain: run.options.concat(['NA', 'off-label'], run.lazy ? ['not asked'] : []),
               range: ['#a6cee3', '#fdbf6f', '#b2df8a', '#cab2d6', '#fb9a99', '#ffff99', '#8dd3c7', '#bebada', '#80b1d3', '#fccde5', '#d9d9d9', '#bc80bd'].slice(0, run.options.length).concat(['#e0e0e0', '#606060', '#ffffff'])}};
  const spec = mapLayerSpec(run, view, cells, fill, sliceEdges(run, view, soft ? run.edges.p[o] : run.edges.label));
  const {shown: arrows, total} = shownArrows(run, view);
  const stroke = {field: 'kind', type: 'nominal', title: 'SCE (strict)',
                  scale: {domain: ['valid', 'invalid', 'not scored'], range: ['#1a7837', '#c51b7d', '#777777']}};
  const ax = run.axes[view.x], ay = run.axes[view.y];
  const X = f => mapPos(ax, 'xl', f), Y = f => mapPos(ay, 'yl', f);
  const xy = {x: X('x0'), y: Y('y0')};
  if (arrows.length) {
    spec.layer.push(
      {data: {values: arrows}, mark: {type: 'rule', strokeWidth: 1.5, opacity: 0.75, name: 'arrows'},
       encoding: {...xy, x2: {field: 'x1'}, y2: {field: 'y1'}, stroke,
                  strokeDash: {field: 'leaves', type: 'nominal', title: 'SCE end',
                               scale: {domain: ['in this slice', 'other features changed too'], range: [[1, 0], [4, 3]]}}}},
      {data: {values: arrows}, mark: {type: 'point', shape: 'triangle', size: 45, filled: false, strokeWidth: 1.5, name: 'heads'},
       encoding: {x: X('x1'), y: Y('y1'), stroke: {...stroke, legend: null},
                  angle: {field: 'angle', type: 'quantitative', scale: null},
                  tooltip: [{field: 'target', title: 'requested'}, {field: 'kind', title: 'SCE'}, {field: 'leaves', title: 'end'}]}});
  }
  // The closest counterfactual of the selected point (for each SCE asked there), wherever it lies.
  const closest = run.sces.filter(s => s.closest && inSlice(view, s.from))
    .map(s => ({index: s.index, cx: s.closest[view.x], cy: s.closest[view.y]}));
  spec.layer.push({data: {values: closest}, transform: [{filter: 'datum.index == sel'}],
                   mark: {type: 'point', shape: 'diamond', size: 160, filled: true, color: '#000', name: 'closest'},
                   encoding: {x: X('cx'), y: Y('cy')}});
  spec.layer.push({data: {values: cells}, transform: [{filter: 'datum.i == sel'}],
                   mark: {type: 'point', shape: 'square', size: 260, filled: false, stroke: '#000', strokeWidth: 2.5, name: 'selected'},
                   encoding: {x: X('cx'), y: Y('cy')}});
  if (view.count === 'region' && view.region) {
    const r = regionOf(run, view, view.region.cx, view.region.cy);
    spec.layer.push({data: {values: [r]}, mark: {type: 'rect', fill: null, stroke: '#000', strokeDash: [6, 3], strokeWidth: 1.5, name: 'region'},
                     encoding: {x: X('x0'), x2: {field: 'x1'}, y: Y('y0'), y2: {field: 'y1'}}});
  }
  spec.resolve = {scale: {fill: 'independent', stroke: 'independent'}};
  return {spec, cells: cells.length, arrows: arrows.length, total};
}
