// The desk's JSON API: session cookie + CSRF header; errors become ApiError with the server's
// code and message (which the page shows as they are: they are written for operators).
import { _ } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || _("The desk did not answer. Check the connection and try again."));
    this.status = status;
    this.code = (body && body.error) || (status ? "http_" + status : "network");
    this.body = body || {};
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function api(method, path, body, { form = false } = {}) {
  const headers = { Accept: "application/json" };
  let payload;
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  if (form) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/${path}`, { method, headers, body: payload, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, null);
  }
  let data;
  try {
    data = await response.json();
  } catch {
    data = null; // not JSON (a proxy's error page): ApiError's generic message
  }
  if (response.status === 401) {
    window.dispatchEvent(new CustomEvent("desk:signed-out"));
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body ?? {});
