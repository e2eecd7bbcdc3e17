// config.js reads the playground's settings: the endpoint comes from the
// server-rendered root element (inline scripts are forbidden by the page's
// Content-Security-Policy), the rest from the page URL so a person or a
// browser test can open a ready-to-run playground with a single link, and
// from what GraphiQL itself kept in localStorage.

// GraphiQL keeps its tabs (each with its query, variables and headers) under
// this localStorage key, through @graphiql/toolkit's StorageAPI.
export const TABS_KEY = 'graphiql:tabState';

// readConfig returns {endpoint, headers, query, variables, run, showHeaders}
// for the root element.
//
// GraphiQL 3 picks, on start, the stored tab whose query, variables and
// headers equal the ones it is given, and opens a new tab when none does.
// Given nothing, it compares with values it stores only once an editor is
// edited: a reload, or the playground in a second browser tab, then opened
// an empty "<untitled>" tab without the token. So the page hands it the last
// active tab's contents, with the token of ?token= written into that tab,
// and GraphiQL finds the tab again; a different ?query= gets a new tab
// (GraphiQL's own behaviour) that keeps the tab's headers.
export function readConfig(root, location, history, storage) {
  const params = new URLSearchParams(location.search);
  const config = {
    endpoint: root.dataset.endpoint || '/graphql',
    headers: undefined,
    query: params.get('query') ?? undefined,
    variables: undefined,
    run: params.get('run') === '1',
    showHeaders: false,
  };
  const token = params.get('token');
  if (token) {
    config.headers = JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2);
    config.showHeaders = true;
    // Keep the secret out of the address bar, history and bookmarks.
    params.delete('token');
    const search = params.toString();
    history.replaceState(null, '', location.pathname + (search ? `?${search}` : '') + location.hash);
  }
  const state = readTabs(storage);
  if (state) {
    const tab = state.tabs[state.activeTabIndex];
    config.headers ??= tab.headers ?? '';
    if (config.query === undefined || config.query === (tab.query ?? '')) {
      // The same document: the active tab, with the token if one came.
      config.query = tab.query ?? '';
      config.variables = tab.variables ?? '';
      tab.headers = config.headers;
      writeTabs(storage, state);
    } else {
      // Another document (?query=): GraphiQL opens it in a tab of its
      // own, named for its operation, keeping the token.
      config.variables = '';
    }
  }
  return config;
}

// readTabs returns GraphiQL's stored tabs when they name an active tab,
// else null (first visit, storage blocked or garbled).
function readTabs(storage) {
  try {
    const state = JSON.parse(storage?.getItem(TABS_KEY) ?? 'null');
    if (state && Array.isArray(state.tabs) && Number.isInteger(state.activeTabIndex) &&
        state.tabs[state.activeTabIndex] && typeof state.tabs[state.activeTabIndex] === 'object') {
      return state;
    }
  } catch {
    // Unreadable: GraphiQL starts afresh, as it would.
  }
  return null;
}

function writeTabs(storage, state) {
  try {
    storage.setItem(TABS_KEY, JSON.stringify(state));
  } catch {
    // Storage full or blocked: GraphiQL copes without it.
  }
}
