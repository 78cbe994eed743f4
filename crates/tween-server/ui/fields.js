// Input fields for media: pick (or drop) a file, upload it, show its info and
// a preview. A field can also hold the result of a finished job (tab 1 → 2).

import { upload, models } from "./api.js";
import { h, uid, bytes, duration, fpsText, infoList, showError } from "./dom.js";

/** Rows of a video info object (from the API's probe). */
export function videoInfoPairs(info) {
  return [
    ["Size", `${info.width} × ${info.height}`],
    ["Frame rate", fpsText(info)],
    ["Frames", info.frames],
    ["Duration", duration(info.duration_s)],
    ["Video codec", [info.video_codec, info.pix_fmt].filter(Boolean).join(", ")],
    ["Bit depth", info.bit_depth ? `${info.bit_depth}-bit` : null],
    ["Audio", info.audio_codec || "none"],
  ];
}

export function imageInfoPairs(info) {
  return [
    ["Size", `${info.width} × ${info.height}`],
    ["Alpha", info.has_alpha === undefined ? null : info.has_alpha ? "yes" : "no"],
    ["Bit depth", info.bit_depth ? `${info.bit_depth}-bit` : null],
  ];
}

/**
 * A media input: `kind` is "video" or "image". `onChange(field)` runs when a
 * new source is ready (or cleared). `field.source()` gives the API's IN object.
 */
export class MediaField {
  constructor({ label, kind, onChange = () => {}, name }) {
    this.kind = kind;
    this.onChange = onChange;
    this.value = null; // {upload} | {job, file}
    this.info = null;
    this.busy = false;

    const inputId = uid("file");
    this.input = h("input", {
      type: "file",
      id: inputId,
      accept: kind === "video" ? "video/*,.mkv,.mov,.avi,.webm,.y4m" : "image/*",
      class: "file-input",
      name: name || inputId,
      onchange: () => this.input.files[0] && this.uploadFile(this.input.files[0]),
    });
    this.status = h("p", { class: "file-status muted", "aria-live": "polite" }, `No ${kind} chosen yet.`);
    this.bar = h("progress", { class: "upload-bar", max: 1, value: 0, hidden: true, "aria-label": "Upload progress" });
    this.error = h("p", { class: "error-box", role: "alert", hidden: true });
    this.details = h("div", { class: "media-details" });
    this.drop = h(
      "div",
      { class: "drop" },
      h("label", { for: inputId, class: "drop-label" },
        h("span", { class: "drop-title" }, label),
        h("span", { class: "drop-hint" }, `Choose ${kind === "image" ? "an image" : "a video"} file or drop it here`)),
      this.input,
      this.status,
      this.bar,
    );
    for (const ev of ["dragenter", "dragover"]) {
      this.drop.addEventListener(ev, (e) => {
        e.preventDefault();
        this.drop.classList.add("over");
      });
    }
    for (const ev of ["dragleave", "drop"]) {
      this.drop.addEventListener(ev, () => this.drop.classList.remove("over"));
    }
    this.drop.addEventListener("drop", (e) => {
      e.preventDefault();
      const f = e.dataTransfer.files[0];
      if (f) this.uploadFile(f);
    });
    this.el = h("div", { class: "media-field" }, this.drop, this.error, this.details);
  }

  source() {
    return this.value;
  }

  async uploadFile(file) {
    this.busy = true;
    this.value = null;
    this.info = null;
    showError(this.error, null);
    this.details.replaceChildren();
    this.bar.hidden = false;
    this.bar.value = 0;
    this.status.textContent = `Uploading ${file.name} (${bytes(file.size)})…`;
    this.onChange(this);
    try {
      const up = await upload(file, (f) => {
        this.bar.value = f;
        this.status.textContent = `Uploading ${file.name}: ${Math.round(f * 100)} %`;
      });
      this.value = { upload: up.id };
      this.info = up.info || null;
      this.status.textContent = `${up.name} · ${bytes(up.size)}`;
      this.renderDetails(`/api/uploads/${encodeURIComponent(up.id)}/file`, up.kind || this.kind);
    } catch (e) {
      this.status.textContent = `${file.name} was not accepted.`;
      showError(this.error, e);
      this.input.value = "";
    } finally {
      this.busy = false;
      this.bar.hidden = true;
      this.onChange(this);
    }
  }

  /** Uses a finished job's result (e.g. an extracted frame) as this input. */
  setJobResult(jobId, file, url, label) {
    showError(this.error, null);
    this.value = { job: jobId, file };
    this.info = null;
    this.input.value = "";
    this.status.textContent = label;
    this.renderDetails(url, "image");
    this.onChange(this);
  }

  renderDetails(url, kind) {
    this.details.replaceChildren();
    let preview;
    if (kind === "video") {
      preview = h("video", { src: url, controls: true, muted: true, preload: "metadata", class: "thumb" });
    } else {
      preview = h("img", { src: url, alt: "Preview of the chosen image", class: "thumb" });
      preview.addEventListener("load", () => {
        if (!this.info) {
          // Results of jobs carry no info: read the size from the picture itself.
          this.info = { width: preview.naturalWidth, height: preview.naturalHeight };
          this.details.append(infoList(imageInfoPairs(this.info)));
          this.onChange(this);
        }
      });
    }
    this.details.append(h("div", { class: "thumb-box" }, preview));
    if (this.info) {
      this.details.append(infoList(kind === "video" ? videoInfoPairs(this.info) : imageInfoPairs(this.info)));
    }
  }
}

let modelCache = null;

/** A <select> of the server's models for `task` ("interpolate" | "upscale"). */
export function modelSelect(task, fallback) {
  const s = h("select", {}, h("option", { value: fallback }, fallback));
  modelCache = modelCache || models().catch(() => []);
  modelCache.then((list) => {
    const mine = list.filter((m) => m.task === task);
    if (!mine.length) return;
    s.replaceChildren(
      ...mine.map((m) => {
        // Built-in networks need weights imported with `tween models import` first.
        const missing = m.needs_weights && !m.imported;
        const short = (m.description || "").split(/[(;,]/)[0].trim();
        const text = missing ? `${m.name} — needs imported weights` : short ? `${m.name} — ${short}` : m.name;
        return h("option", { value: m.name, title: m.description || "", disabled: missing }, text);
      }),
    );
    const usable = mine.filter((m) => !(m.needs_weights && !m.imported));
    s.value = usable.some((m) => m.name === fallback) ? fallback : (usable[0] || mine[0]).name;
  });
  return s;
}
