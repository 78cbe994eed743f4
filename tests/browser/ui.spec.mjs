// Real-browser test of the tween web UI, run with plain node by
// crates/tween/tests/serve_browser.rs against a real `tween serve`.
//
// Environment:
//   TWEEN_URL       base URL of the server (http://127.0.0.1:PORT)
//   TWEEN_CLIP      a short video (320x240, 25 fps, 50 frames)
//   TWEEN_IMG_A     an image, TWEEN_IMG_B another of the same size,
//   TWEEN_IMG_SMALL one of a different size
//   TWEEN_OUT       folder for downloads and result.json
//   TWEEN_SCREENS   optional folder for screenshots (desktop and narrow)
//   CHROMIUM        optional, default /usr/bin/chromium
//   TWEEN_TOKEN     set when the server runs with --token: only the token
//                   prompt is tested (wrong token refused, right one works)
//
// Exit status 0 and result.json {"ok":true,...} on success; on failure the
// message goes to stderr, a screenshot to TWEEN_OUT/failure.png, exit 1.

import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const BASE = env("TWEEN_URL");
const CLIP = env("TWEEN_CLIP");
const IMG_A = env("TWEEN_IMG_A");
const IMG_B = env("TWEEN_IMG_B");
const IMG_SMALL = env("TWEEN_IMG_SMALL");
const OUT = env("TWEEN_OUT");
const SCREENS = process.env.TWEEN_SCREENS || "";
const JOB_TIMEOUT = Number(process.env.TWEEN_JOB_TIMEOUT_MS || 180000);

const result = { ok: false, downloads: {}, progress: {}, checks: [] };
const pageErrors = [];

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  result.checks.push(what);
  console.log(`ok - ${what}`);
}

async function shoot(page, name) {
  if (!SCREENS) return;
  fs.mkdirSync(SCREENS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true });
}

/** Records every value the job view's progress takes (data-percent) in window.__progress. */
async function watchProgress(page) {
  await page.evaluate(() => {
    window.__progress = [];
    const seen = (el) => {
      if (el.classList && el.classList.contains("job") && el.dataset.percent !== undefined) {
        window.__progress.push({ id: el.dataset.jobId, state: el.dataset.state, percent: el.dataset.percent });
      }
    };
    new MutationObserver((muts) => {
      for (const m of muts) {
        if (m.type === "attributes") seen(m.target);
        for (const n of m.addedNodes || []) seen(n);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-percent", "data-state"] });
  });
}

/** Waits for the job shown in `panel` to end; returns its final state. */
async function waitForJob(panel) {
  const job = panel.locator(".job");
  await job.waitFor({ timeout: 15000 });
  await panel.locator('.job[data-state="done"], .job[data-state="failed"], .job[data-state="cancelled"]').waitFor({ timeout: JOB_TIMEOUT });
  const state = await job.getAttribute("data-state");
  if (state !== "done") {
    const msg = await job.locator(".error-box").textContent().catch(() => "");
    throw new Error(`job ended ${state}: ${msg}`);
  }
  return job;
}

async function download(page, link, name) {
  const [dl] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const target = path.join(OUT, name);
  await dl.saveAs(target);
  check(fs.statSync(target).size > 0, `downloaded ${name} (${dl.suggestedFilename()})`);
  return target;
}

async function upload(panel, index, file) {
  await panel.locator('input[type="file"]').nth(index).setInputFiles(file);
}

async function tabInterpolate(page) {
  await page.getByRole("tab", { name: /Video interpolation/ }).click();
  const panel = page.locator("#panel-interpolate");
  check(await panel.isVisible(), "tab 4 opens");

  // A file the server cannot read: the API's message is shown, not a blank page.
  await upload(panel, 0, path.join(OUT, "not-a-video.txt"));
  const err = panel.locator(".media-field .error-box");
  await err.waitFor({ timeout: 15000 });
  const errText = (await err.textContent()).trim();
  check(errText.length > 10 && !/undefined|\[object/.test(errText), `unreadable upload shows a readable error: "${errText}"`);

  await upload(panel, 0, CLIP);
  const frames = panel.locator("dl.info dt", { hasText: /^Frames$/ }).locator("xpath=following-sibling::dd");
  await frames.waitFor({ timeout: 30000 });
  check((await frames.textContent()).trim() === "50", "tab 4 shows the clip's 50 frames");
  check(await err.isHidden(), "the earlier error is cleared by a good upload");
  const size = await panel.locator("dl.info dd").first().textContent();
  check(size.includes("320") && size.includes("240"), `tab 4 shows the clip's size (${size})`);

  await panel.getByLabel("Factor", { exact: true }).selectOption("2");
  check((await panel.locator(".outcome").textContent()).includes("50 fps"), "tab 4 previews 25 fps → 50 fps");
  await shoot(page, "tab4-ready-desktop");

  await watchProgress(page);
  await panel.getByRole("button", { name: "Interpolate" }).click();
  const job = await waitForJob(panel);
  const seen = await page.evaluate(() => window.__progress);
  result.progress.interpolate = seen;
  check(seen.length >= 2, `progress was updated live (${seen.length} updates)`);
  check((await job.getAttribute("data-percent")) === "100", "progress reached 100%");
  check((await job.locator(".percent").textContent()).trim() === "100%", "the page shows 100%");

  // Plays in the page.
  const video = job.locator("video.result-media");
  await video.waitFor();
  const played = await video.evaluate(async (v) => {
    v.muted = true;
    if (v.readyState < 1) await new Promise((r, j) => { v.onloadedmetadata = r; v.onerror = () => j(new Error("video error " + (v.error && v.error.code))); });
    await v.play();
    await new Promise((r) => setTimeout(r, 600));
    return { width: v.videoWidth, height: v.videoHeight, time: v.currentTime, duration: v.duration };
  });
  check(played.width === 320 && played.height === 240, `result plays in the page at ${played.width}x${played.height}`);
  check(played.time > 0, `playback advanced (currentTime ${played.time.toFixed(2)} s of ${played.duration.toFixed(2)} s)`);
  await shoot(page, "tab4-done-desktop");

  result.downloads.interpolate = await download(page, job.locator("a.download", { hasText: "result.mp4" }), "interpolate.mp4");

  // The jobs list shows it as done.
  const jobId = await job.getAttribute("data-job-id");
  await page.locator(`#jobs-list li[data-job-id="${jobId}"][data-state="done"]`).waitFor({ timeout: 10000 });
  check(true, "the jobs list shows the job as done");
}

async function tabPair(page) {
  await page.getByRole("tab", { name: /Between two images/ }).click();
  const panel = page.locator("#panel-pair");

  // Different sizes: a clear message and no run.
  await upload(panel, 0, IMG_A);
  await upload(panel, 1, IMG_SMALL);
  const warn = panel.locator(".warn-box");
  await warn.waitFor({ timeout: 15000 });
  const w = await warn.textContent();
  check(/320 × 240/.test(w) && /160 × 120/.test(w), `size mismatch is explained: "${w.trim()}"`);
  const run = panel.getByRole("button", { name: /Generate/ });
  check(await run.isDisabled(), "run is disabled while sizes differ");
  await shoot(page, "tab2-mismatch-desktop");

  await upload(panel, 1, IMG_B);
  await warn.waitFor({ state: "hidden", timeout: 15000 });
  await panel.getByLabel("Passes", { exact: true }).selectOption("2");
  check((await panel.getByLabel("Frame rate of the video", { exact: true }).inputValue()) === "25", "output fps defaults to 25");
  const est = panel.locator(".estimate dl");
  await est.waitFor({ timeout: 15000 });
  await page.waitForFunction(() => /^5 frames/.test(document.querySelector("#panel-pair .estimate dd")?.textContent || ""), null, { timeout: 10000 });
  const estText = await est.textContent();
  check(/5 frames/.test(estText) && /Memory/.test(estText) && /Time/.test(estText), `estimate shown before running: "${estText}"`);
  await shoot(page, "tab2-ready-desktop");

  check(await run.isEnabled(), "run is enabled with two images of one size");
  await run.click();
  const job = await waitForJob(panel);
  check(await job.locator("video.result-media").count() === 1, "pair result previews as a video");
  check(await job.locator("a.download", { hasText: "frames.zip" }).count() === 1, "pair offers the frames as a zip");
  result.downloads.pair = await download(page, job.locator("a.download", { hasText: "result.mp4" }), "pair.mp4");
  result.downloads.pair_zip = await download(page, job.locator("a.download", { hasText: "frames.zip" }), "pair-frames.zip");
  await shoot(page, "tab2-done-desktop");
}

async function tabReencode(page) {
  await page.getByRole("tab", { name: /Re-encode/ }).click();
  const panel = page.locator("#panel-reencode");
  check((await panel.getByLabel("Quality (CRF)", { exact: true }).inputValue()) === "18", "CRF defaults to 18");
  check((await panel.getByLabel("Preset", { exact: true }).inputValue()) === "medium", "preset defaults to medium");
  check((await panel.getByLabel("Profile", { exact: true }).inputValue()) === "high", "profile defaults to high");
  check((await panel.getByLabel("Pixel format", { exact: true }).inputValue()) === "yuv420p", "pixel format defaults to yuv420p");
  check((await panel.getByLabel("Colour tags", { exact: true }).inputValue()) === "bt709", "colour tags default to BT.709");
  await upload(panel, 0, CLIP);
  await panel.locator("dl.info").waitFor({ timeout: 30000 });
  await panel.getByRole("button", { name: "Re-encode" }).click();
  const job = await waitForJob(panel);
  const info = job.locator(".encoding-box");
  await info.waitFor({ timeout: 5000 });
  const infoText = (await info.textContent()).toLowerCase();
  check(/h264|avc/.test(infoText) && infoText.includes("high") && /bt\.?709/.test(infoText), `encoding info shown: "${infoText}"`);
  result.downloads.reencode = await download(page, job.locator("a.download", { hasText: "result.mp4" }), "reencode.mp4");
  await shoot(page, "tab5-done-desktop");
}

async function tabFrames(page) {
  await page.getByRole("tab", { name: /Frames from a video/ }).click();
  const panel = page.locator("#panel-frames");
  await upload(panel, 0, CLIP);
  const start = panel.getByLabel("Start frame (index)", { exact: true });
  const end = panel.getByLabel("End frame (index)", { exact: true });
  await page.waitForFunction(() => document.querySelector("#panel-frames input[type=number]:not([disabled])"), null, { timeout: 30000 });
  check((await end.inputValue()) === "49", "end frame defaults to the last index (49)");
  await start.fill("45");
  await end.fill("10");
  const run = panel.getByRole("button", { name: "Extract frames" });
  check(await run.isDisabled(), "start after end is refused");
  check(/must not come after/.test(await panel.locator(".error-text").first().textContent()), "and explained");
  await end.fill("50");
  check(/between 0 and 49/.test(await panel.locator(".error-text").first().textContent()), "an end past the last frame is refused");
  await start.fill("5");
  await end.fill("40");
  check(await run.isEnabled(), "valid indices enable extraction");
  await run.click();
  const job = await waitForJob(panel);
  check(await job.locator("img.result-media").count() === 2, "both extracted frames are shown");
  await shoot(page, "tab1-done-desktop");
  await panel.getByRole("button", { name: /Send to/ }).click();
  const pair = page.locator("#panel-pair");
  check(await pair.isVisible(), "send switches to tab 2");
  const status = await pair.locator(".file-status").allTextContents();
  check(/End frame 40/.test(status[0]) && /Start frame 5/.test(status[1]), `end frame → first image, start → second (${status.join(" | ")})`);
  await pair.locator(".media-details dl.info").nth(1).waitFor({ timeout: 10000 });
}

async function tabChain(page) {
  await page.getByRole("tab", { name: /Chained clips/ }).click();
  const panel = page.locator("#panel-chain");
  const run = panel.getByRole("button", { name: "Join the clips" });
  check(await run.isDisabled(), "a chain needs its clips first");
  // Two clips under different names, so their order can be told apart.
  const second = path.join(OUT, "second-clip.mp4");
  fs.copyFileSync(CLIP, second);
  const ids = [];
  const onUpload = (r) => {
    if (r.url().endsWith("/api/uploads") && r.request().method() === "POST" && r.ok()) {
      ids.push(r.json().then((j) => [j.name, j.id]));
    }
  };
  page.on("response", onUpload);
  await upload(panel, 0, CLIP);
  await upload(panel, 1, second);
  await page.waitForFunction(() => document.querySelectorAll("#panel-chain dl.info").length === 2, null, { timeout: 30000 });
  page.off("response", onUpload);
  const uploaded = Object.fromEntries(await Promise.all(ids));
  const first = path.basename(CLIP);
  const statuses = () => panel.locator(".clip-item .file-status").allTextContents();
  let order = await statuses();
  check(order[0].startsWith(first) && order[1].startsWith("second-clip.mp4"), `clips in upload order (${order.join(" | ")})`);
  check(!(await panel.getByRole("button", { name: "Move clip 1 earlier" }).isVisible()), "the first clip cannot move earlier");
  await panel.getByRole("button", { name: "Move clip 2 earlier" }).click();
  order = await statuses();
  const titles = await panel.locator(".clip-item .drop-title").allTextContents();
  check(order[0].startsWith("second-clip.mp4") && order[1].startsWith(first), `the second clip moved first (${order.join(" | ")})`);
  check(titles.join() === "Clip 1,Clip 2", `titles renumbered (${titles.join()})`);
  await panel.getByLabel("Passes per transition", { exact: true }).selectOption("1");
  await shoot(page, "tab3-ready-desktop");
  const posted = page.waitForRequest((r) => r.url().endsWith("/api/jobs") && r.method() === "POST");
  await run.click();
  const inputs = (await posted).postDataJSON().params.inputs;
  check(
    inputs.length === 2 && inputs[0].upload === uploaded["second-clip.mp4"] && inputs[1].upload === uploaded[first],
    `the job joins the clips in the new order (${JSON.stringify(inputs)} for ${JSON.stringify(uploaded)})`,
  );
  const job = await waitForJob(panel);
  result.downloads.chain = await download(page, job.locator("a.download", { hasText: "result.mp4" }), "chain.mp4");
}

/** A long job (16x) is cancelled from the page and ends as cancelled. */
async function cancelJob(page) {
  await page.getByRole("tab", { name: /Video interpolation/ }).click();
  const panel = page.locator("#panel-interpolate");
  await panel.getByLabel("Factor", { exact: true }).selectOption("16");
  await panel.getByRole("button", { name: "Interpolate" }).click();
  const job = panel.locator(".job");
  await panel.locator('.job[data-state="queued"], .job[data-state="running"]').waitFor({ timeout: 15000 });
  await job.getByRole("button", { name: "Cancel" }).click();
  await panel.locator('.job[data-state="cancelled"], .job[data-state="done"], .job[data-state="failed"]').waitFor({ timeout: 30000 });
  check((await job.getAttribute("data-state")) === "cancelled", "a running job is cancelled from the page");
  check((await job.locator("a.download").count()) === 0, "a cancelled job offers no download");
  await panel.getByLabel("Factor", { exact: true }).selectOption("2");
}

/** Server started with a token: the page asks for it, refuses a wrong one, then works. */
async function tokenPrompt(page, token) {
  const dialog = page.locator("#token-dialog");
  await dialog.waitFor({ state: "visible", timeout: 15000 });
  check(true, "a 401 opens the token prompt");
  await shoot(page, "token-desktop");
  await dialog.getByLabel("Token", { exact: true }).fill(token + "-wrong");
  await dialog.getByRole("button", { name: "Sign in" }).click();
  const err = dialog.locator("#token-error");
  await page.waitForFunction(() => document.querySelector("#token-error").textContent.trim().length > 0, null, { timeout: 10000 });
  check(await dialog.isVisible(), `a wrong token is refused: "${(await err.textContent()).trim()}"`);
  await dialog.getByLabel("Token", { exact: true }).fill(token);
  await dialog.getByRole("button", { name: "Sign in" }).click();
  await dialog.waitFor({ state: "hidden", timeout: 10000 });
  check(true, "the right token closes the prompt");
  await page.locator("#jobs-empty", { hasText: "No jobs yet." }).waitFor({ timeout: 10000 });
  check(true, "the jobs list loads after signing in");
  await page.getByRole("tab", { name: /Video interpolation/ }).click();
  const panel = page.locator("#panel-interpolate");
  await upload(panel, 0, CLIP);
  await panel.locator("dl.info").waitFor({ timeout: 30000 });
  check(true, "uploads work after signing in");
  await panel.getByRole("button", { name: "Interpolate" }).click();
  await waitForJob(panel);
  const seen = await page.evaluate(() => document.querySelector("#panel-interpolate .job video") !== null);
  check(seen, "a job runs and its result loads with the token cookie");
}

async function narrowScreens(context) {
  if (!SCREENS) return;
  const page = await context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(BASE + "/#interpolate");
  await page.locator("body[data-ready]").waitFor();
  await page.locator("#panel-interpolate input[type=file]").setInputFiles(CLIP);
  await page.locator("#panel-interpolate dl.info").waitFor({ timeout: 30000 });
  await page.locator("#panel-interpolate .estimate dl").waitFor({ timeout: 15000 });
  await shoot(page, "tab4-narrow");
  for (const tab of ["pair", "chain", "reencode", "frames"]) {
    await page.goto(BASE + "/#" + tab);
    await page.reload();
    await page.locator("body[data-ready]").waitFor();
    await shoot(page, `${tab}-narrow`);
  }
  await page.close();
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, "not-a-video.txt"), "this is not a picture\n");
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tween-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    viewport: { width: 1366, height: 900 },
    acceptDownloads: true,
  });
  let page;
  try {
    page = context.pages()[0] || (await context.newPage());
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error") console.log(`console error: ${m.text()}`);
    });
    await page.goto(BASE + "/");
    await page.locator("body[data-ready]").waitFor({ timeout: 15000 });
    await page.locator(".server-status.ok").waitFor({ timeout: 15000 });
    check(true, "the page loads and reaches the server");
    if (process.env.TWEEN_TOKEN) {
      await tokenPrompt(page, process.env.TWEEN_TOKEN);
      check(pageErrors.length === 0, `no uncaught errors in the page (${pageErrors.join("; ")})`);
      result.ok = true;
      return;
    }
    await shoot(page, "start-desktop");

    await tabInterpolate(page);
    await tabPair(page);
    await tabReencode(page);
    await tabFrames(page);
    await tabChain(page);
    await cancelJob(page);
    await narrowScreens(context);
    check(pageErrors.length === 0, `no uncaught errors in the page (${pageErrors.join("; ")})`);
    result.ok = true;
  } catch (e) {
    result.error = String(e && e.stack ? e.stack : e);
    console.error(`FAILED: ${result.error}`);
    if (pageErrors.length) console.error(`page errors: ${pageErrors.join("; ")}`);
    if (page) await page.screenshot({ path: path.join(OUT, "failure.png"), fullPage: true }).catch(() => {});
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
    fs.writeFileSync(path.join(OUT, "result.json"), JSON.stringify(result, null, 2));
  }
  process.exit(result.ok ? 0 : 1);
}

main();
