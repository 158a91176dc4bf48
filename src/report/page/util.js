// sceval report page: helpers. Every text from the data reaches the DOM through textContent or
// attribute values set by the DOM API, never as HTML: model replies are untrusted.
'use strict';

const DATA = JSON.parse(document.getElementById('sceval-data').textContent);

// el('td', {class: 'num', dataset: {key: 'validity'}}, 'text', childNode, ...)
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'on') for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function select(options, value, onChange, attrs) {  // options: [[value, label], ...]
  const s = el('select', attrs);
  for (const [v, label] of options) s.appendChild(el('option', {value: v}, label));
  s.value = String(value);
  s.addEventListener('change', () => onChange(s.value));
  return s;
}

const isNum = x => typeof x === 'number' && isFinite(x);
const fmtRate = x => isNum(x) ? (100 * x).toFixed(1) + '%' : '–';
const fmtNum = x => isNum(x) ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(3)) : '–';
const fmtCi = (ci, rate) => Array.isArray(ci) && isNum(ci[0]) && isNum(ci[1])
  ? '[' + (rate ? fmtRate(ci[0]) + ', ' + fmtRate(ci[1]) : fmtNum(ci[0]) + ', ' + fmtNum(ci[1])) + ']' : '';

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], {type}));
  const a = el('a', {href: url, download: name});
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// Mixed radix, first feature slowest (README "Grid index").
function strides(axes) {
  const s = new Array(axes.length);
  let m = 1;
  for (let k = axes.length - 1; k >= 0; --k) { s[k] = m; m *= axes[k].values.length; }
  return s;
}
function coordsOf(axes, st, i) { return axes.map((a, k) => Math.floor(i / st[k]) % a.values.length); }
function recordText(axes, c) { return axes.map((a, k) => a.name + ' = ' + a.values[c[k]]).join(', '); }
