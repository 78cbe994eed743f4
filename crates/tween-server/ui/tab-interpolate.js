// Tab 4: video interpolation — factor or target fps, model, scene cuts, and
// optional upscaling in the same pass.

import { h, field, select } from "./dom.js";
import { MediaField, modelSelect } from "./fields.js";
import { Runner, runForm, checkFps, EstimateBox } from "./runner.js";

export function interpolateTab(root) {
  const video = new MediaField({ label: "Video", kind: "video", onChange: () => changed() });

  const byFactor = h("input", { type: "radio", name: "interp-mode", value: "factor", checked: true, id: "interp-by-factor" });
  const byFps = h("input", { type: "radio", name: "interp-mode", value: "fps", id: "interp-by-fps" });
  const mode = h("div", { class: "choice", role: "radiogroup", "aria-label": "Factor or target frame rate" },
    h("label", { for: "interp-by-factor" }, byFactor, " Multiply the frame rate"),
    h("label", { for: "interp-by-fps" }, byFps, " Reach a target frame rate"));
  const factor = select([[2, "2× (1 pass)"], [4, "4× (2 passes)"], [8, "8× (3 passes)"], [16, "16× (4 passes)"]], "2");
  const fps = h("input", { type: "text", value: "60", inputmode: "decimal", autocomplete: "off" });
  const model = modelSelect("interpolate", "classical");
  const sceneCut = select([
    ["hold", "Hold (repeat the last frame)"],
    ["blend", "Blend (cross-fade)"],
    ["interpolate", "Interpolate through cuts"],
  ], "hold");
  const outcome = h("p", { class: "hint outcome", "aria-live": "polite" });

  const upscaleOn = h("input", { type: "checkbox", id: "interp-upscale" });
  const scale = select([[2, "2×"], [4, "4×"]], "2");
  const upModel = modelSelect("upscale", "lanczos");
  const tile = h("input", { type: "number", min: 0, max: 4096, step: 32, value: 0, inputmode: "numeric" });
  const colorFix = select([["none", "None"], ["adain", "AdaIN (match colour statistics)"], ["wavelet", "Wavelet (keep low frequencies)"]], "none");
  const upscaleBox = h("div", { class: "grid-2", hidden: true },
    field("Scale", scale).row,
    field("Upscaling model", upModel).row,
    field("Tile size (pixels)", tile, "0: the whole frame at once. Smaller tiles use less memory.").row,
    field("Colour fix", colorFix).row);

  const est = new EstimateBox("The estimate appears once a video is chosen.");
  const factorRow = field("Factor", factor);
  const fpsRow = field("Target frame rate", fps, "e.g. 60, 59.94 or 60000/1001.");

  function changed() {
    factorRow.row.hidden = !byFactor.checked;
    fpsRow.row.hidden = byFactor.checked;
    upscaleBox.hidden = !upscaleOn.checked;
    const info = video.info;
    outcome.textContent = "";
    if (info && info.fps_float) {
      if (byFactor.checked) {
        const f = Number(factor.value);
        const frames = info.frames ? ` · about ${info.frames * f} frames` : "";
        outcome.textContent = `${round(info.fps_float)} fps → ${round(info.fps_float * f)} fps${frames}`;
      } else {
        try {
          const t = checkFps(fps.value, "The target frame rate");
          outcome.textContent = `${round(info.fps_float)} fps → ${t} fps`;
        } catch (e) {
          outcome.textContent = e.message;
        }
      }
      if (upscaleOn.checked && info.width) {
        const s = Number(scale.value);
        outcome.textContent += ` · ${info.width} × ${info.height} → ${info.width * s} × ${info.height * s}`;
      }
    }
    if (!video.source()) {
      est.clear();
      return runner.ready(false, video.busy ? "Uploading…" : "Choose a video first.");
    }
    runner.ready(true);
    est.schedule(() => {
      const req = build();
      const f = req.params.factor;
      const rate = f && info && info.fps_float ? String(round(info.fps_float * f)) : req.params.fps;
      return { ...req, fps: rate };
    });
  }

  const build = () => {
    const t = Number(tile.value);
    if (!Number.isInteger(t) || t < 0) throw new Error(`The tile size must be 0 or a positive whole number (got “${tile.value}”).`);
    return {
      kind: "interpolate",
      params: {
        input: video.source(),
        factor: byFactor.checked ? Number(factor.value) : null,
        fps: byFactor.checked ? null : checkFps(fps.value, "The target frame rate"),
        model: model.value,
        scene_cut: sceneCut.value,
        upscale: upscaleOn.checked
          ? { scale: Number(scale.value), model: upModel.value, tile: t, color_fix: colorFix.value }
          : null,
      },
    };
  };
  const runner = new Runner({ label: "Interpolate", build });

  for (const el of [byFactor, byFps, factor, fps, model, sceneCut, upscaleOn, scale, upModel, tile, colorFix]) {
    el.addEventListener("input", changed);
    el.addEventListener("change", changed);
  }

  root.append(
    runForm(
      runner,
      video.el,
      h("fieldset", { class: "grid-2" },
        h("legend", {}, "Interpolation"),
        h("div", { class: "field span-2" }, h("span", { class: "label" }, "Frame rate"), mode),
        factorRow.row,
        fpsRow.row,
        field("Model", model).row,
        field("Scene cuts", sceneCut).row,
        outcome),
      h("fieldset", {},
        h("legend", {}, "Upscaling"),
        h("label", { class: "check", for: "interp-upscale" }, upscaleOn, " Also upscale the video in the same pass"),
        upscaleBox),
      est.el,
    ),
  );
  changed();
}

function round(x) {
  return Number.isInteger(x) ? x : Number(x.toFixed(3));
}
