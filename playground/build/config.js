// config.js reads the playground's settings: the endpoint comes from the
// server-rendered root element (inline scripts are forbidden by the page's
// Content-Security-Policy), the rest from the page URL so a person or a
// browser test can open a ready-to-run playground with a single link.

// readConfig returns {endpoint, headers, query, run} for the root element.
// headers and query are undefined unless the URL sets them, so GraphiQL
// falls back to what it persisted in localStorage.
export function readConfig(root, location, history) {
  const params = new URLSearchParams(location.search);
  const config = {
    endpoint: root.dataset.endpoint || '/graphql',
    headers: undefined,
    query: params.get('query') ?? undefined,
    run: params.get('run') === '1',
  };
  const token = params.get('token');
  if (token) {
    config.headers = JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2);
    // Keep the secret out of the address bar, history and bookmarks.
    params.delete('token');
    const search = params.toString();
    history.replaceState(null, '', location.pathname + (search ? `?${search}` : '') + location.hash);
  }
  return config;
}
