// main.jsx is the bundle entry: it mounts GraphiQL 3 (CodeMirror 5 editors,
// no web workers) on #graphiql with the settings from config.js.
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import './page.css';
import { AutoRun } from './autorun.jsx';
import { readConfig } from './config.js';
import { createFetcher } from './fetcher.js';
import { EXAMPLE, TokenHint } from './hint.jsx';

const root = document.getElementById('graphiql');
const config = readConfig(root, window.location, window.history, safeStorage());
// The no-token hint sits above GraphiQL, which fills the rest of the page.
const hint = document.createElement('div');
root.parentNode.insertBefore(hint, root);

// safeStorage is localStorage, or null where the browser refuses it.
function safeStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

createRoot(root).render(
  <GraphiQL
    fetcher={createFetcher(config.endpoint)}
    isHeadersEditorEnabled
    shouldPersistHeaders
    headers={config.headers}
    query={config.query}
    variables={config.variables}
    defaultQuery={EXAMPLE}
    defaultEditorToolsVisibility="headers"
  >
    <GraphiQL.Footer>
      <TokenHint target={hint} />
      {config.run ? <AutoRun /> : null}
    </GraphiQL.Footer>
  </GraphiQL>,
);
