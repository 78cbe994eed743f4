// The tween web UI: five workflows as tabs, each running real jobs through
// the server's queue, plus a list of recent jobs.

import { health } from "./api.js";
import { startJobsList } from "./jobs.js";
import { framesTab } from "./tab-frames.js";
import { pairTab } from "./tab-pair.js";
import { chainTab } from "./tab-chain.js";
import { interpolateTab } from "./tab-interpolate.js";
import { reencodeTab } from "./tab-reencode.js";

const TABS = ["frames", "pair", "chain", "interpolate", "reencode"];

function selectTab(name, focus = false) {
  for (const t of TABS) {
    const tab = document.getElementById(`tab-${t}`);
    const on = t === name;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    document.getElementById(`panel-${t}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
}

function setUpTabs() {
  TABS.forEach((t, i) => {
    const tab = document.getElementById(`tab-${t}`);
    tab.addEventListener("click", () => selectTab(t));
    tab.addEventListener("keydown", (e) => {
      let j = null;
      if (e.key === "ArrowRight") j = (i + 1) % TABS.length;
      if (e.key === "ArrowLeft") j = (i + TABS.length - 1) % TABS.length;
      if (e.key === "Home") j = 0;
      if (e.key === "End") j = TABS.length - 1;
      if (j !== null) {
        e.preventDefault();
        selectTab(TABS[j], true);
      }
    });
  });
  const fromHash = () => {
    const h = location.hash.slice(1);
    return TABS.includes(h) ? h : "frames";
  };
  window.addEventListener("hashchange", () => selectTab(fromHash()));
  selectTab(fromHash());
}

async function showHealth() {
  const el = document.getElementById("server-status");
  try {
    const hl = await health();
    el.className = "server-status ok";
    el.textContent = `tween ${hl.version} · ${hl.workers} worker${hl.workers === 1 ? "" : "s"} · ${hl.queue} queued`;
  } catch (e) {
    el.className = "server-status bad";
    el.textContent = `Server not reachable: ${e.message}`;
  }
}

function panel(name) {
  return document.querySelector(`.panel-body[data-tab="${name}"]`);
}

function main() {
  setUpTabs();
  const pair = pairTab(panel("pair"));
  framesTab(panel("frames"), {
    sendToPair: (a, b) => {
      pair.setImages(a, b);
      selectTab("pair", true);
    },
  });
  chainTab(panel("chain"));
  interpolateTab(panel("interpolate"));
  reencodeTab(panel("reencode"));
  startJobsList();
  showHealth();
  document.addEventListener("tween:job", showHealth);
  window.addEventListener("unhandledrejection", (e) => {
    // A last resort so no failure leaves the page silently stuck.
    const el = document.getElementById("server-status");
    el.className = "server-status bad";
    el.textContent = `Unexpected error: ${e.reason && e.reason.message ? e.reason.message : e.reason}`;
  });
  document.body.dataset.ready = "true";
}

main();
