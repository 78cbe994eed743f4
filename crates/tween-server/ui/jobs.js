// A running job on the page: live progress pushed by the server (SSE),
// cancel, and at the end a preview and download links. Plus the list of
// recent jobs.

import { cancelJob, getJob, listJobs } from "./api.js";
import { h, bytes, duration, infoList, showError, shortId } from "./dom.js";

const TERMINAL = new Set(["done", "failed", "cancelled"]);
const STATE_TEXT = {
  queued: "Queued",
  running: "Running",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** Tells the jobs list (and anyone else) that a job changed. */
function announce(job) {
  document.dispatchEvent(new CustomEvent("tween:job", { detail: job }));
}

/** Readable labels for result files. */
function resultLabel(name) {
  if (name.endsWith(".zip")) return "Frames as PNG (zip)";
  if (name === "start.png") return "Start frame";
  if (name === "end.png") return "End frame";
  return name;
}

/**
 * Shows one job in `host` and follows it until it ends. `onDone(job)` runs
 * once when it finishes; `renderInfo(info)` may render the job's info.
 */
export class JobView {
  constructor(host, job, { onDone = () => {}, renderInfo } = {}) {
    this.host = host;
    this.job = job;
    this.onDone = onDone;
    this.renderInfo = renderInfo;
    this.finished = false;

    this.stateBadge = h("span", { class: "badge", role: "status" });
    this.bar = h("progress", { max: 1, class: "job-bar", "aria-label": "Job progress" });
    this.percent = h("span", { class: "percent" });
    this.stats = h("p", { class: "job-stats" });
    this.cancelBtn = h("button", { type: "button", class: "secondary", onclick: () => this.cancel() }, "Cancel");
    this.error = h("div", { class: "error-box", role: "alert", hidden: true });
    this.results = h("div", { class: "results" });
    this.el = h(
      "section",
      { class: "job", "aria-label": `Job ${job.id}`, dataset: { jobId: job.id } },
      h("div", { class: "job-head" },
        h("h3", {}, "Job ", shortId(job.id)),
        this.stateBadge,
        this.cancelBtn),
      h("div", { class: "bar-row" }, this.bar, this.percent),
      this.stats,
      this.error,
      this.results,
    );
    host.replaceChildren(this.el);
    this.update(job);
    announce(job);
    if (!TERMINAL.has(job.state)) this.follow();
  }

  follow() {
    const src = new EventSource(`/api/jobs/${encodeURIComponent(this.job.id)}/events`);
    this.source = src;
    src.addEventListener("progress", (ev) => {
      const progress = JSON.parse(ev.data);
      this.update({ ...this.job, progress, state: this.job.state === "queued" ? "running" : this.job.state });
    });
    src.addEventListener("state", (ev) => this.update(JSON.parse(ev.data)));
    src.onerror = () => {
      // The stream ends after the final state; if it broke earlier, poll.
      src.close();
      if (!this.finished) this.poll();
    };
  }

  async poll() {
    while (!this.finished) {
      try {
        this.update(await getJob(this.job.id));
      } catch (e) {
        showError(this.error, e);
      }
      if (!this.finished) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async cancel() {
    this.cancelBtn.disabled = true;
    this.cancelBtn.textContent = "Cancelling…";
    try {
      this.update(await cancelJob(this.job.id));
    } catch (e) {
      showError(this.error, e);
      this.cancelBtn.disabled = false;
      this.cancelBtn.textContent = "Cancel";
    }
  }

  update(job) {
    if (this.finished) return;
    const prevState = this.job.state;
    this.job = job;
    const p = job.progress || {};
    this.el.dataset.state = job.state;
    this.stateBadge.textContent = STATE_TEXT[job.state] || job.state;
    this.stateBadge.className = `badge state-${job.state}`;

    let fraction = p.fraction;
    if ((fraction === null || fraction === undefined) && p.total) fraction = p.done / p.total;
    if (job.state === "done") fraction = 1;
    if (fraction === null || fraction === undefined || isNaN(fraction)) {
      this.bar.removeAttribute("value"); // indeterminate
      this.percent.textContent = job.state === "queued" ? "waiting" : "";
    } else {
      this.bar.value = Math.min(1, fraction);
      this.percent.textContent = `${Math.floor(Math.min(1, fraction) * 100)}%`;
    }
    this.el.dataset.percent = fraction === undefined || fraction === null ? "" : String(Math.floor(fraction * 100));

    const parts = [];
    if (job.state === "queued") parts.push("Waiting for a free worker…");
    if (p.done !== undefined && p.done !== null) {
      parts.push(p.total ? `${p.done} / ${p.total} frames` : `${p.done} frames`);
    }
    if (p.fps && job.state === "running") parts.push(`${p.fps.toFixed(1)} fps`);
    if (p.eta_s !== undefined && p.eta_s !== null && job.state === "running") parts.push(`ETA ${duration(p.eta_s)}`);
    if (job.state === "done" && job.started_at && job.finished_at) {
      const s = (Date.parse(job.finished_at) - Date.parse(job.started_at)) / 1000;
      if (isFinite(s)) parts.push(`finished in ${duration(s)}`);
    }
    this.stats.textContent = parts.join(" · ");

    if (job.state !== prevState) announce(job);
    if (TERMINAL.has(job.state)) this.finish(job);
  }

  finish(job) {
    this.finished = true;
    if (this.source) this.source.close();
    this.cancelBtn.hidden = true;
    if (job.state === "failed") {
      showError(this.error, job.error || { message: "The job failed without a message." });
    } else if (job.state === "cancelled") {
      this.stats.textContent = "The job was cancelled; nothing was kept.";
    } else if (job.state === "done") {
      this.renderResults(job);
    }
    this.onDone(job);
  }

  renderResults(job) {
    const items = [];
    // Previews (video, image) first, plain files (zip) after.
    const media = (r) => /^(video|image)\//.test(r.content_type || "");
    const rank = (r) => (media(r) ? 0 : 2) + (r.name === "end.png" ? 1 : 0);
    const ordered = [...(job.results || [])].sort((a, b) => rank(a) - rank(b));
    for (const r of ordered) {
      const url = r.url || `/api/jobs/${encodeURIComponent(job.id)}/results/${encodeURIComponent(r.name)}`;
      const type = r.content_type || "";
      let preview = null;
      if (type.startsWith("video/")) {
        preview = h("video", { src: url, controls: true, preload: "metadata", playsInline: true, class: "result-media" });
      } else if (type.startsWith("image/")) {
        preview = h("img", { src: url, alt: resultLabel(r.name), class: "result-media" });
      }
      const sep = url.includes("?") ? "&" : "?";
      items.push(
        h("figure", { class: preview ? "result" : "result file-only", dataset: { name: r.name } },
          preview,
          h("figcaption", {},
            h("span", { class: "result-name" }, resultLabel(r.name)),
            h("a", { href: `${url}${sep}download=1`, download: r.name, class: "button download" },
              `Download ${r.name}`, h("span", { class: "muted" }, ` (${bytes(r.size)})`)))),
      );
    }
    this.results.replaceChildren(...items);
    if (job.info) {
      this.results.append(
        this.renderInfo
          ? this.renderInfo(job.info)
          : infoList(Object.entries(job.info).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v])),
      );
    }
  }
}

const KIND_TEXT = {
  extract: "Frames",
  pair: "Between images",
  chain: "Chain",
  interpolate: "Interpolation",
  upscale: "Upscale",
  reencode: "Re-encode",
};

/** The small list of recent jobs, refreshed when a job changes. */
export function startJobsList() {
  const list = document.getElementById("jobs-list");
  const empty = document.getElementById("jobs-empty");
  let timer = null;
  let inFlight = false;

  async function refresh() {
    if (inFlight) return;
    inFlight = true;
    try {
      const jobs = await listJobs(15);
      empty.hidden = jobs.length > 0;
      empty.textContent = "No jobs yet.";
      list.replaceChildren(...jobs.map(row));
      clearTimeout(timer);
      if (jobs.some((j) => !TERMINAL.has(j.state))) timer = setTimeout(refresh, 2000);
    } catch (e) {
      empty.hidden = false;
      empty.textContent = `Cannot list jobs: ${e.message}`;
    } finally {
      inFlight = false;
    }
  }

  function row(job) {
    const p = job.progress || {};
    const pct = job.state === "done" ? 100 : p.fraction != null ? Math.floor(p.fraction * 100) : null;
    const main = (job.results || []).find((r) => /\.(mp4|png|mkv|webm)$/.test(r.name));
    return h("li", { class: "jobs-item", dataset: { jobId: job.id, state: job.state } },
      h("div", { class: "jobs-line" },
        h("span", { class: "jobs-kind" }, KIND_TEXT[job.kind] || job.kind),
        h("span", { class: `badge state-${job.state}` }, STATE_TEXT[job.state] || job.state)),
      h("div", { class: "jobs-line muted" },
        shortId(job.id),
        job.state === "running" && pct !== null ? h("span", {}, `${pct}%`) : null,
        main ? h("a", { href: main.url, target: "_blank", rel: "noopener" }, "open") : null,
        job.state === "failed" && job.error ? h("span", { class: "error-text", title: job.error.message }, job.error.code) : null));
  }

  document.addEventListener("tween:job", () => refresh());
  document.getElementById("jobs-refresh").addEventListener("click", refresh);
  refresh();
}
