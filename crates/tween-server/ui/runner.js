// The bottom of every tab: the run button, the error box and the job view.

import { createJob, estimate } from "./api.js";
import { h, showError, bytes, duration } from "./dom.js";
import { JobView } from "./jobs.js";

/**
 * `label`: the run button's text; `build()` returns {kind, params} or throws
 * an Error with a readable message (validation); `options` go to JobView.
 */
export class Runner {
  constructor({ label, build, options = {} }) {
    this.build = build;
    this.options = options;
    this.button = h("button", { type: "submit", class: "primary run" }, label);
    this.note = h("p", { class: "run-note muted", "aria-live": "polite" });
    this.error = h("div", { class: "error-box", role: "alert", hidden: true });
    this.host = h("div", { class: "job-host" });
    this.el = h("div", { class: "runner" },
      h("div", { class: "actions" }, this.button, this.note),
      this.error,
      this.host);
    this.view = null;
  }

  /** Enables the button when the form is ready; `why` explains otherwise. */
  ready(ok, why = "") {
    this.button.disabled = !ok || (this.view && !this.view.finished);
    this.note.textContent = ok ? "" : why;
  }

  async run() {
    showError(this.error, null);
    let req;
    try {
      req = this.build();
    } catch (e) {
      showError(this.error, e);
      return;
    }
    this.button.disabled = true;
    try {
      const job = await createJob(req.kind, req.params);
      this.view = new JobView(this.host, job, {
        ...this.options,
        onDone: (j) => {
          this.button.disabled = false;
          if (this.options.onDone) this.options.onDone(j);
        },
      });
    } catch (e) {
      showError(this.error, e);
      this.button.disabled = false;
    }
  }
}

/** A <form> that runs `runner` on submit and holds the given rows. */
export function runForm(runner, ...rows) {
  const form = h("form", { class: "work-form", novalidate: true }, ...rows, runner.el);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    runner.run();
  });
  return form;
}

/** Parses a frame rate as typed ("25", "29.97", "30000/1001"); returns the string or throws. */
export function checkFps(text, what = "Frame rate") {
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(t);
  if (!m || Number(m[1]) <= 0 || (m[2] !== undefined && Number(m[2]) === 0)) {
    throw new Error(`${what} must be a positive number such as 25, 59.94 or 30000/1001 (got “${text}”).`);
  }
  const v = m[2] ? Number(m[1]) / Number(m[2]) : Number(m[1]);
  if (v > 1000) throw new Error(`${what} ${t} is too high (at most 1000).`);
  return t;
}

/** Reads an integer input within [min, max] or throws a message naming it. */
export function checkInt(input, what, min, max) {
  const t = input.value.trim();
  if (!/^-?\d+$/.test(t)) throw new Error(`${what} must be a whole number (got “${input.value}”).`);
  const v = Number(t);
  if (v < min || v > max) throw new Error(`${what} must be between ${min} and ${max} (got ${v}).`);
  return v;
}

/** The value of a frame rate string ("25", "30000/1001"). */
export function fpsValue(text) {
  const [n, d] = String(text).split("/");
  return d ? Number(n) / Number(d) : Number(n);
}

/**
 * "Before running": output frames, memory and time from POST /api/estimate,
 * refreshed (debounced) whenever the form changes.
 */
export class EstimateBox {
  constructor(placeholder) {
    this.placeholder = placeholder;
    this.el = h("div", { class: "estimate", "aria-live": "polite" });
    this.timer = null;
    this.seq = 0;
    this.clear();
  }

  clear() {
    clearTimeout(this.timer);
    this.seq += 1;
    this.el.replaceChildren(h("p", { class: "muted" }, this.placeholder));
  }

  /** `build()` gives {kind, params, fps} (fps: the output rate, if known) or throws. */
  schedule(build) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.update(build), 250);
  }

  async update(build) {
    const seq = ++this.seq;
    let req;
    try {
      req = build();
    } catch (e) {
      this.el.replaceChildren(h("p", { class: "error-text" }, e.message));
      return;
    }
    this.el.replaceChildren(h("p", { class: "muted" }, "Estimating…"));
    try {
      const e = await estimate(req.kind, req.params);
      if (seq !== this.seq) return;
      const rate = req.fps ? fpsValue(req.fps) : NaN;
      const output = isFinite(rate) && rate > 0
        ? `${e.output_frames} frames · ${duration(e.output_frames / rate)} at ${req.fps} fps`
        : `${e.output_frames} frames`;
      this.el.replaceChildren(
        h("p", { class: "estimate-title" }, "Before running"),
        h("dl", { class: "stats" },
          h("div", {}, h("dt", {}, "Output"), h("dd", {}, output)),
          h("div", {}, h("dt", {}, "Memory"), h("dd", {}, `about ${bytes(e.memory_bytes)}`)),
          h("div", {}, h("dt", {}, "Time"), h("dd", {}, e.seconds < 1 ? "under a second" : `about ${duration(e.seconds)}`))),
      );
    } catch (e) {
      if (seq !== this.seq) return;
      this.el.replaceChildren(h("p", { class: "error-text" }, `No estimate: ${e.message}`));
    }
  }
}
