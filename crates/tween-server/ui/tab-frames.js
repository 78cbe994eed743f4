// Tab 1: frames from a video — pick start/end indices, extract, send to tab 2.

import { h, field } from "./dom.js";
import { MediaField } from "./fields.js";
import { Runner, runForm, checkInt } from "./runner.js";

export function framesTab(root, { sendToPair }) {
  const start = h("input", { type: "number", min: 0, step: 1, value: 0, inputmode: "numeric", disabled: true });
  const end = h("input", { type: "number", min: 0, step: 1, value: 0, inputmode: "numeric", disabled: true });
  const range = h("p", { class: "hint" }, "Upload a video to choose its frames.");
  const validation = h("p", { class: "error-text", role: "alert" });
  const send = h("button", { type: "button", class: "secondary", hidden: true }, "Send to “Between two images” →");

  const video = new MediaField({
    label: "Video",
    kind: "video",
    onChange: () => {
      const n = video.info && video.info.frames;
      start.disabled = end.disabled = !n;
      if (n) {
        start.max = end.max = n - 1;
        start.value = 0;
        end.value = n - 1;
        range.textContent = `Frames are numbered from 0 to ${n - 1} (the video has ${n}).`;
      } else {
        range.textContent = "Upload a video to choose its frames.";
      }
      check();
    },
  });

  const frames = () => {
    const n = video.info.frames;
    const s = checkInt(start, "The start frame", 0, n - 1);
    const e = checkInt(end, "The end frame", 0, n - 1);
    if (s > e) throw new Error(`The start frame (${s}) must not come after the end frame (${e}).`);
    return [s, e];
  };

  function check() {
    validation.textContent = "";
    if (!video.value) return runner.ready(false, video.busy ? "Uploading…" : "Choose a video first.");
    if (!video.info || !video.info.frames) return runner.ready(false, "The video's frame count is unknown.");
    try {
      frames();
      runner.ready(true);
    } catch (e) {
      validation.textContent = e.message;
      runner.ready(false);
    }
  }

  let lastJob = null;
  const runner = new Runner({
    label: "Extract frames",
    build: () => {
      const [s, e] = frames();
      send.hidden = true;
      return { kind: "extract", params: { input: video.source(), start: s, end: e } };
    },
    options: {
      onDone: (job) => {
        lastJob = job.state === "done" ? job : null;
        send.hidden = !lastJob;
        if (lastJob) runner.host.querySelector(".results").append(h("div", { class: "actions" }, send));
      },
    },
  });
  send.addEventListener("click", () => {
    const url = (name) =>
      (lastJob.results.find((r) => r.name === name) || {}).url ||
      `/api/jobs/${encodeURIComponent(lastJob.id)}/results/${name}`;
    // The end frame opens the transition, the start frame closes it.
    sendToPair(
      { job: lastJob.id, file: "end.png", url: url("end.png"), label: `End frame ${end.value} of job ${lastJob.id}` },
      { job: lastJob.id, file: "start.png", url: url("start.png"), label: `Start frame ${start.value} of job ${lastJob.id}` },
    );
  });

  start.addEventListener("input", check);
  end.addEventListener("input", check);

  root.append(
    runForm(
      runner,
      video.el,
      h("fieldset", { class: "grid-2" },
        h("legend", {}, "Frames to extract"),
        field("Start frame (index)", start).row,
        field("End frame (index)", end).row,
        range,
        validation),
    ),
  );
  check();
}
