// autorun.jsx executes the query once when the page is opened with ?run=1,
// so a headless browser can check the whole path (headers, fetcher,
// result pane) without typing or clicking.
import { useEffect, useRef } from 'react';
import { useEditorContext, useExecutionContext, useSchemaContext } from '@graphiql/react';

// AutoRun renders nothing. It waits for the editors and for the schema
// introspection to settle: a late introspection error would otherwise
// overwrite the result pane after the query's own result arrived.
export function AutoRun() {
  const { queryEditor, responseEditor } = useEditorContext({ nonNull: true });
  const { run } = useExecutionContext({ nonNull: true });
  const { isFetching, schema, fetchError } = useSchemaContext({ nonNull: true });
  const done = useRef(false);
  const settled = !isFetching && (schema != null || fetchError != null);
  useEffect(() => {
    if (done.current || !settled || !queryEditor || !responseEditor) {
      return;
    }
    done.current = true;
    run();
  }, [settled, queryEditor, responseEditor, run]);
  return null;
}
