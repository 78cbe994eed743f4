// Tab 5: re-encode — H.264 High, yuv420p, CRF 18, preset medium, BT.709 by
// default (editable); shows the encoding info of the result.

import { h, field, select, bytes, duration } from "./dom.js";
import { MediaField } from "./fields.js";
import { Runner, runForm, checkInt } from "./runner.js";

const DEFAULTS = { codec: "libx264", profile: "high", pix_fmt: "yuv420p", crf: 18, preset: "medium", color: "bt709" };
const PRESETS = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

export function reencodeTab(root) {
  const video = new MediaField({ label: "Video", kind: "video", onChange: () => changed() });
  const codec = select([["libx264", "H.264 (libx264)"], ["libx265", "H.265 / HEVC (libx265)"]], DEFAULTS.codec);
  const profile = select([["high", "High"], ["main", "Main"], ["baseline", "Baseline"], ["high10", "High 10"]], DEFAULTS.profile);
  const pixFmt = select([["yuv420p", "yuv420p (8-bit 4:2:0)"], ["yuv420p10le", "yuv420p10le (10-bit 4:2:0)"]], DEFAULTS.pix_fmt);
  const crf = h("input", { type: "number", min: 0, max: 51, step: 1, value: DEFAULTS.crf, inputmode: "numeric" });
  const preset = select(PRESETS.map((p) => [p, p]), DEFAULTS.preset);
  const color = select([["bt709", "BT.709 (HD)"], ["source", "Keep the source's tags"]], DEFAULTS.color);
  const reset = h("button", { type: "button", class: "link-button" }, "Reset to defaults");
  reset.addEventListener("click", () => {
    codec.value = DEFAULTS.codec;
    profile.value = DEFAULTS.profile;
    pixFmt.value = DEFAULTS.pix_fmt;
    crf.value = DEFAULTS.crf;
    preset.value = DEFAULTS.preset;
    color.value = DEFAULTS.color;
  });

  function changed() {
    if (!video.source()) return runner.ready(false, video.busy ? "Uploading…" : "Choose a video first.");
    runner.ready(true);
  }

  const runner = new Runner({
    label: "Re-encode",
    build: () => ({
      kind: "reencode",
      params: {
        input: video.source(),
        codec: codec.value,
        profile: profile.value,
        pix_fmt: pixFmt.value,
        crf: checkInt(crf, "CRF", 0, 51),
        preset: preset.value,
        color: color.value,
      },
    }),
    options: { renderInfo: encodingInfo },
  });

  root.append(
    runForm(
      runner,
      video.el,
      h("fieldset", { class: "grid-3" },
        h("legend", {}, "Encoding ", reset),
        field("Codec", codec).row,
        field("Profile", profile).row,
        field("Pixel format", pixFmt).row,
        field("Quality (CRF)", crf, "Lower is better and larger; 18 looks lossless to most eyes.").row,
        field("Preset", preset, "Slower presets compress better.").row,
        field("Colour tags", color).row),
    ),
  );
  changed();
}

// ISO/IEC 23091-2 code points (what FFmpeg stores) → names.
const PRIMARIES = { 1: "BT.709", 2: "unspecified", 4: "BT.470M", 5: "BT.601 (625)", 6: "BT.601 (525)", 9: "BT.2020", 12: "Display P3" };
const TRANSFER = { 1: "BT.709", 2: "unspecified", 4: "gamma 2.2", 5: "gamma 2.8", 6: "BT.601", 8: "linear", 13: "sRGB", 14: "BT.2020 (10-bit)", 15: "BT.2020 (12-bit)", 16: "PQ (HDR)", 18: "HLG (HDR)" };
const MATRIX = { 0: "RGB", 1: "BT.709", 2: "unspecified", 5: "BT.601 (625)", 6: "BT.601 (525)", 9: "BT.2020 NCL", 10: "BT.2020 CL" };

/** A colour tag as a name, whether the server sends a code point or a name. */
function colourName(table, v) {
  if (typeof v === "number") return table[v] ? `${table[v]} (${v})` : String(v);
  return String(v);
}

/** The fields shown first, in this order, with their labels. */
const ORDER = [
  ["video_codec", "Codec"], ["codec", "Codec"], ["profile", "Profile"], ["pix_fmt", "Pixel format"],
  ["bit_depth", "Bit depth"], ["color_primaries", "Colour primaries"], ["color_transfer", "Transfer"],
  ["color_trc", "Transfer"], ["color_matrix", "Matrix"], ["color_space", "Matrix"], ["color_range", "Range"],
  ["fps", "Frame rate"], ["frames", "Frames"], ["duration_s", "Duration"], ["bit_rate", "Bit rate"],
  ["bitrate", "Bit rate"], ["size", "File size"], ["container", "Container"], ["audio_codec", "Audio"],
  ["audio_streams", "Audio streams"], ["subtitle_streams", "Subtitle streams"],
];

function formatValue(k, v) {
  if (k === "color_primaries") return colourName(PRIMARIES, v);
  if (k === "color_transfer" || k === "color_trc") return colourName(TRANSFER, v);
  if (k === "color_matrix" || k === "color_space") return colourName(MATRIX, v);
  if ((k === "bitrate" || k === "bit_rate") && Number(v)) return `${Math.round(Number(v) / 1000)} kb/s`;
  if (k === "size" && typeof v === "number") return bytes(v);
  if (k === "duration_s") return duration(Number(v));
  if (k === "bit_depth") return `${v}-bit`;
  if (k === "fps" && /^\d+(\.\d+)?$/.test(String(v))) return `${v} fps`;
  if (k === "container") return String(v).split(",")[0];
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** The result's encoding info as a readable table (unknown keys shown as they are, last). */
function encodingInfo(info) {
  const pairs = [];
  const seen = new Set(["width", "height", "fps_float"]);
  if (info.width && info.height) pairs.push(["Size", `${info.width} × ${info.height}`]);
  for (const [k, label] of ORDER) {
    if (info[k] === null || info[k] === undefined || seen.has(label)) continue;
    seen.add(label);
    seen.add(k);
    pairs.push([label, formatValue(k, info[k])]);
  }
  for (const [k, v] of Object.entries(info)) {
    if (seen.has(k) || ORDER.some(([o]) => o === k) || v === null || v === undefined) continue;
    pairs.push([k.replace(/_/g, " "), formatValue(k, v)]);
  }
  const dl = h("dl", { class: "info encoding" });
  for (const [k, v] of pairs) dl.append(h("div", {}, h("dt", {}, k), h("dd", {}, v)));
  return h("div", { class: "encoding-box" }, h("h4", {}, "Encoding of the result"), dl);
}
