// The page's state in its address: query parameters read and written in place
// (history.replaceState), keeping every parameter and the path and hash that others own.

export function queryParam(name) {
  return new URLSearchParams(window.location.search).get(name) || "";
}

export function setQueryParams(changes) {
  const url = new URL(window.location.href);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "" || value === false) url.searchParams.delete(name);
    else url.searchParams.set(name, String(value));
  }
  if (url.href !== window.location.href) window.history.replaceState(window.history.state, "", url);
}
