// The HTTP API of `tween serve` (see the API contract): JSON calls, uploads
// with progress, and the token prompt when the server answers 401.

/** An error from the API, carrying its stable code and readable message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let loginPending = null;

/** Shows the token dialog once (however many calls got 401) and logs in. */
function askForToken() {
  if (loginPending) return loginPending;
  const dialog = document.getElementById("token-dialog");
  const form = dialog.querySelector("form");
  const input = dialog.querySelector("#token-input");
  const error = dialog.querySelector("#token-error");
  error.textContent = "";
  loginPending = new Promise((resolve) => {
    const submit = async (ev) => {
      ev.preventDefault();
      error.textContent = "";
      try {
        const res = await fetch("/api/login", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ token: input.value }),
          credentials: "same-origin",
        });
        if (!res.ok) throw await toError(res);
        form.removeEventListener("submit", submit);
        dialog.close();
        loginPending = null;
        resolve();
      } catch (e) {
        error.textContent = e.message;
        input.select();
      }
    };
    form.addEventListener("submit", submit);
    // Nothing works without the token: Escape does not dismiss the prompt.
    dialog.addEventListener("cancel", (e) => e.preventDefault());
    if (!dialog.open) dialog.showModal();
    input.focus();
  });
  return loginPending;
}

/** Turns a non-2xx response into an ApiError with the server's message. */
async function toError(res) {
  let code = "http_" + res.status;
  let message = `The server answered ${res.status} ${res.statusText}.`;
  try {
    const body = await res.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch (_) {
    // Not JSON: keep the status line.
  }
  return new ApiError(res.status, code, message);
}

/** fetch() + JSON, retrying once after a login when the server asks for one. */
export async function api(path, { method = "GET", body, raw = false } = {}) {
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await fetch(path, {
        method,
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch (e) {
      throw new ApiError(0, "network", "Cannot reach the tween server: " + e.message);
    }
    if (res.status === 401 && attempt === 0) {
      await askForToken();
      continue;
    }
    if (!res.ok) throw await toError(res);
    if (raw) return res;
    if (res.status === 204) return null;
    return res.json();
  }
}

/**
 * Uploads one file (multipart field `file`), reporting progress as a fraction.
 * XMLHttpRequest because fetch() cannot report upload progress.
 */
export function upload(file, onProgress) {
  const send = () =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/uploads");
      xhr.responseType = "json";
      xhr.upload.onprogress = (ev) => {
        if (ev.lengthComputable) onProgress(ev.loaded / ev.total);
      };
      xhr.onerror = () =>
        reject(new ApiError(0, "network", "The upload of " + file.name + " failed (connection lost)."));
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr.response);
        const err = xhr.response && xhr.response.error;
        reject(
          new ApiError(
            xhr.status,
            (err && err.code) || "http_" + xhr.status,
            (err && err.message) || `The upload of ${file.name} failed (${xhr.status}).`,
          ),
        );
      };
      const form = new FormData();
      form.append("file", file, file.name);
      xhr.send(form);
    });
  return send().catch(async (e) => {
    if (e.status !== 401) throw e;
    await askForToken();
    return send();
  });
}

/** Creates a job; resolves to the job object. */
export function createJob(kind, params) {
  return api("/api/jobs", { method: "POST", body: { kind, params } });
}

export function estimate(kind, params) {
  return api("/api/estimate", { method: "POST", body: { kind, params } });
}

export function cancelJob(id) {
  return api(`/api/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST" });
}

export function getJob(id) {
  return api(`/api/jobs/${encodeURIComponent(id)}`);
}

export function listJobs(limit = 20) {
  return api(`/api/jobs?limit=${limit}`);
}

export function models() {
  return api("/api/models");
}

export function health() {
  return api("/api/health");
}
