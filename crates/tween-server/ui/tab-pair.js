// Tab 2: between two images — passes or an exact frame count, fps, model,
// size policy; an estimate of memory and time before running.

import { h, field, select } from "./dom.js";
import { MediaField, modelSelect } from "./fields.js";
import { Runner, runForm, checkFps, checkInt, EstimateBox } from "./runner.js";

export function pairTab(root) {
  const first = new MediaField({ label: "First image", kind: "image", onChange: () => changed() });
  const second = new MediaField({ label: "Second image", kind: "image", onChange: () => changed() });

  const mode = h("div", { class: "choice", role: "radiogroup", "aria-label": "How many frames" });
  const byPasses = h("input", { type: "radio", name: "pair-mode", value: "passes", checked: true, id: "pair-by-passes" });
  const byFrames = h("input", { type: "radio", name: "pair-mode", value: "frames", id: "pair-by-frames" });
  mode.append(
    h("label", { for: "pair-by-passes" }, byPasses, " Number of passes"),
    h("label", { for: "pair-by-frames" }, byFrames, " Exact frame count"),
  );
  const passes = select([1, 2, 3, 4, 5, 6].map((p) => [p, `${p} — ${2 ** p - 1} in-between frame${p > 1 ? "s" : ""}`]), "3");
  const frames = h("input", { type: "number", min: 2, max: 10000, step: 1, value: 25, inputmode: "numeric" });
  const fps = h("input", { type: "text", value: "25", inputmode: "decimal", autocomplete: "off" });
  const model = modelSelect("interpolate", "classical");
  const resize = select([["error", "Refuse (show a message)"], ["fit", "Resize the second image to the first"]], "error");
  const sizeNote = h("p", { class: "warn-box", role: "status", hidden: true });
  const est = new EstimateBox("The estimate appears once both images are chosen.");

  const passesRow = field("Passes", passes, "Each pass doubles the motion steps: p passes make 2^p − 1 new frames.");
  const framesRow = field("Total frames in the video", frames, "Including the two images (at least 2).");
  framesRow.row.hidden = true;

  function params() {
    const p = {
      first: first.source(),
      second: second.source(),
      passes: null,
      frames: null,
      fps: checkFps(fps.value, "The output frame rate"),
      model: model.value,
      resize: resize.value,
    };
    if (byPasses.checked) p.passes = Number(passes.value);
    else p.frames = checkInt(frames, "The frame count", 2, 10000);
    return p;
  }

  function sizesDiffer() {
    const a = first.info;
    const b = second.info;
    return a && b && a.width && b.width && (a.width !== b.width || a.height !== b.height);
  }

  function changed() {
    passesRow.row.hidden = !byPasses.checked;
    framesRow.row.hidden = byPasses.checked;
    if (sizesDiffer()) {
      const a = first.info;
      const b = second.info;
      sizeNote.hidden = false;
      sizeNote.textContent =
        `The images differ in size: the first is ${a.width} × ${a.height}, the second ${b.width} × ${b.height}. ` +
        (resize.value === "fit"
          ? "The second will be resized (Lanczos) to the first's size."
          : "Choose “Resize the second image to the first” below, or use images of the same size.");
    } else {
      sizeNote.hidden = true;
    }
    if (!first.source() || !second.source()) {
      est.clear();
      runner.ready(false, first.busy || second.busy ? "Uploading…" : "Choose both images first.");
      return;
    }
    if (sizesDiffer() && resize.value === "error") {
      runner.ready(false, "The images differ in size (see above).");
    } else {
      runner.ready(true);
    }
    est.schedule(() => {
      const p = params();
      return { kind: "pair", params: p, fps: p.fps };
    });
  }

  const runner = new Runner({
    label: "Generate the in-between frames",
    build: () => {
      if (sizesDiffer() && resize.value === "error") throw new Error(sizeNote.textContent);
      return { kind: "pair", params: params() };
    },
  });

  for (const el of [byPasses, byFrames, passes, frames, fps, model, resize]) {
    el.addEventListener("input", changed);
    el.addEventListener("change", changed);
  }

  root.append(
    runForm(
      runner,
      h("div", { class: "grid-2 media-pair" }, first.el, second.el),
      sizeNote,
      h("fieldset", { class: "grid-2" },
        h("legend", {}, "Output"),
        h("div", { class: "field span-2" }, h("span", { class: "label" }, "How many frames"), mode),
        passesRow.row,
        framesRow.row,
        field("Frame rate of the video", fps, "Default 25. Also 29.97 or 30000/1001.").row,
        field("Model", model).row,
        field("Images of different sizes", resize).row),
      est.el,
    ),
  );
  changed();

  return {
    /** Fills both images from a finished extract job (tab 1). */
    setImages(a, b) {
      first.setJobResult(a.job, a.file, a.url, a.label);
      second.setJobResult(b.job, b.file, b.url, b.label);
    },
  };
}
