// Tab 3: chained clips — two or more clips joined by generated transitions.

import { h, field, select } from "./dom.js";
import { MediaField, modelSelect } from "./fields.js";
import { Runner, runForm, checkFps } from "./runner.js";

export function chainTab(root) {
  const clips = [];
  const list = h("ol", { class: "clip-list" });
  const add = h("button", { type: "button", class: "secondary" }, "+ Add a clip");
  const passes = select([1, 2, 3, 4, 5, 6].map((p) => [p, `${p} — ${2 ** p - 1} transition frame${p > 1 ? "s" : ""}`]), "3");
  const fps = h("input", { type: "text", value: "", placeholder: "same as the clips", inputmode: "decimal", autocomplete: "off" });
  const model = modelSelect("interpolate", "classical");

  function addClip() {
    const item = h("li", { class: "clip-item" });
    const clip = new MediaField({ label: `Clip ${clips.length + 1}`, kind: "video", onChange: changed });
    const button = (text) => h("button", { type: "button", class: "link-button" }, text);
    const up = button("↑ Earlier");
    const down = button("↓ Later");
    const remove = button("Remove");
    up.addEventListener("click", () => move(clip, -1));
    down.addEventListener("click", () => move(clip, 1));
    remove.addEventListener("click", () => {
      clips.splice(clips.indexOf(clip), 1);
      item.remove();
      renumber();
      changed();
    });
    Object.assign(clip, { item, up, down, remove });
    item.append(clip.el, h("div", { class: "clip-actions" }, up, down, remove));
    clips.push(clip);
    list.append(item);
    renumber();
    changed();
  }

  /** Moves `clip` one place earlier (-1) or later (+1) in the chain. */
  function move(clip, by) {
    const i = clips.indexOf(clip);
    const j = i + by;
    if (j < 0 || j >= clips.length) return;
    [clips[i], clips[j]] = [clips[j], clips[i]];
    list.replaceChildren(...clips.map((c) => c.item));
    renumber();
    // Keep the keyboard on the clip: the same button, or the other one
    // when it has just been hidden at either end.
    const same = by < 0 ? clip.up : clip.down;
    (same.hidden ? (by < 0 ? clip.down : clip.up) : same).focus();
    changed();
  }

  function renumber() {
    clips.forEach((c, i) => {
      const n = i + 1;
      c.drop.querySelector(".drop-title").textContent = `Clip ${n}`;
      c.up.hidden = i === 0;
      c.down.hidden = i === clips.length - 1;
      c.remove.hidden = clips.length <= 2;
      c.up.setAttribute("aria-label", `Move clip ${n} earlier`);
      c.down.setAttribute("aria-label", `Move clip ${n} later`);
      c.remove.setAttribute("aria-label", `Remove clip ${n}`);
    });
  }

  function changed() {
    if (clips.some((c) => c.busy)) return runner.ready(false, "Uploading…");
    const missing = clips.filter((c) => !c.source()).length;
    if (missing) return runner.ready(false, `Choose ${missing} more clip${missing > 1 ? "s" : ""}.`);
    runner.ready(true);
  }

  const runner = new Runner({
    label: "Join the clips",
    build: () => {
      if (clips.length < 2) throw new Error("A chain needs at least two clips.");
      const f = fps.value.trim();
      return {
        kind: "chain",
        params: {
          inputs: clips.map((c) => c.source()),
          passes: Number(passes.value),
          fps: f ? checkFps(f, "The final frame rate") : null,
          model: model.value,
        },
      };
    },
  });
  add.addEventListener("click", addClip);

  root.append(
    runForm(
      runner,
      list,
      h("div", { class: "actions" }, add),
      h("fieldset", { class: "grid-3" },
        h("legend", {}, "Transitions and output"),
        field("Passes per transition", passes).row,
        field("Final frame rate", fps, "Empty: the first clip's rate.").row,
        field("Model", model).row),
    ),
  );
  addClip();
  addClip();
}
