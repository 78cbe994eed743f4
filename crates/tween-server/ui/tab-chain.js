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
    const remove = h("button", { type: "button", class: "link-button remove", "aria-label": "Remove this clip" }, "Remove");
    remove.addEventListener("click", () => {
      clips.splice(clips.indexOf(clip), 1);
      item.remove();
      renumber();
      changed();
    });
    clip.item = item;
    clip.remove = remove;
    item.append(clip.el, remove);
    clips.push(clip);
    list.append(item);
    renumber();
    changed();
  }

  function renumber() {
    clips.forEach((c, i) => {
      c.drop.querySelector(".drop-title").textContent = `Clip ${i + 1}`;
      c.remove.hidden = clips.length <= 2;
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
