// Small DOM helpers: element creation without innerHTML, and formatting.

let nextId = 0;

/** A unique id for label/input pairs. */
export function uid(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/**
 * h("div", {class: "x", onclick: fn}, child, "text", ...) → element.
 * Attributes starting with "on" become listeners; false/null are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** A labelled form row: label + control + optional hint; returns {row, input}. */
export function field(labelText, control, hint) {
  const id = control.id || uid("f");
  control.id = id;
  const hintEl = hint ? h("p", { class: "hint", id: id + "-hint" }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  const row = h("div", { class: "field" }, h("label", { for: id }, labelText), control, hintEl);
  return { row, input: control };
}

/** A <select> from [[value, label], ...]. */
export function select(options, value) {
  const s = h("select", {});
  for (const [v, label] of options) s.append(h("option", { value: v }, label));
  if (value !== undefined) s.value = value;
  return s;
}

export function bytes(n) {
  if (n === null || n === undefined) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  let x = n;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i += 1;
  }
  return `${x < 10 && i > 0 ? x.toFixed(1) : Math.round(x)} ${units[i]}`;
}

export function duration(s) {
  if (s === null || s === undefined || !isFinite(s)) return "—";
  if (s < 10) return `${s.toFixed(1)} s`;
  const t = Math.round(s);
  const m = Math.floor(t / 60);
  const sec = t % 60;
  if (m < 60) return `${m}:${String(sec).padStart(2, "0")}`;
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
}

export function fpsText(info) {
  if (info.fps_float !== undefined && info.fps_float !== null) {
    const f = Number(info.fps_float);
    return `${Number.isInteger(f) ? f : f.toFixed(3)} fps`;
  }
  return info.fps ? `${info.fps} fps` : "—";
}

/** A <dl> of [term, value] pairs (skipping empty values). */
export function infoList(pairs, cls = "info") {
  const dl = h("dl", { class: cls });
  for (const [k, v] of pairs) {
    if (v === null || v === undefined || v === "") continue;
    dl.append(h("div", {}, h("dt", {}, k), h("dd", {}, String(v))));
  }
  return dl;
}

/** Shows a readable error message in `box` (or clears it with null). */
export function showError(box, err) {
  box.replaceChildren();
  box.hidden = !err;
  if (!err) return;
  box.append(h("strong", {}, "Error: "), err.message || String(err));
  if (err.code) box.append(h("span", { class: "code" }, ` (${err.code})`));
}

/** A job id, shortened for display (the full id in the tooltip). */
export function shortId(id) {
  const el = h("code", { title: id }, id.length > 12 ? `${id.slice(0, 10)}…` : id);
  return el;
}
