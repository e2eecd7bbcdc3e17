// fetcher.js is the playground's GraphQL fetcher: queries and mutations go
// over HTTP to the same origin, subscriptions over a WebSocket to the same
// endpoint through graphql-ws (the graphql-transport-ws protocol, the only
// one the server speaks). It replaces @graphiql/toolkit's
// createGraphiQLFetcher, which would also bundle meros for multipart
// responses the server never sends.
import { getOperationAST, parse } from 'graphql';
import { createClient } from 'graphql-ws';

// createFetcher returns a GraphiQL fetcher for endpoint that sends the
// headers from the Headers editor. A body that is not JSON (a proxy error
// page, say) is shown as text instead of failing silently.
export function createFetcher(endpoint, location = window.location) {
  const wsURL = webSocketURL(endpoint, location);
  return async (params, options) => {
    if (isSubscription(params, options?.documentAST)) {
      return subscribe(wsURL, params, options?.headers ?? {});
    }
    const response = await fetch(endpoint, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        Accept: 'application/graphql-response+json, application/json',
        'Content-Type': 'application/json',
        ...(options?.headers ?? {}),
      },
      body: JSON.stringify(params),
    });
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: `HTTP ${response.status}: ${text}` }] };
    }
  };
}

// webSocketURL is endpoint (a path, or an absolute http(s) URL) as the
// ws(s) URL of the same host.
export function webSocketURL(endpoint, location) {
  const url = new URL(endpoint, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  return url.href;
}

// isSubscription tells whether the operation GraphiQL runs is a
// subscription; a document that does not parse goes over HTTP, whose
// answer names the syntax error.
function isSubscription(params, documentAST) {
  try {
    const doc = documentAST ?? parse(params.query);
    return getOperationAST(doc, params.operationName || undefined)?.operation === 'subscription';
  } catch {
    return false;
  }
}

// authorization is the Authorization header of the Headers editor, in
// whatever case it was written, or undefined.
function authorization(headers) {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'authorization') {
      return String(value);
    }
  }
  return undefined;
}

// subscribe returns an Observable, which GraphiQL shows event by event and
// stops with its Stop button. Each subscription has its own connection,
// authenticated at connection_init with the Headers editor's Authorization
// as the server expects (browsers cannot set headers on a WebSocket), so
// editing the token takes effect on the next run. A connection closed by
// the server (4401 revoked, 4403 no longer allowed, 4429 too many) is not
// retried: its code is shown instead.
function subscribe(url, params, headers) {
  return {
    subscribe(observer) {
      const auth = authorization(headers);
      const client = createClient({
        url,
        connectionParams: auth ? { Authorization: auth } : {},
        lazy: true,
        retryAttempts: 0,
      });
      let done = false;
      const finish = (result) => {
        if (done) {
          return;
        }
        done = true;
        if (result) {
          observer.next(result);
        }
        observer.complete();
        client.dispose();
      };
      const unsubscribe = client.subscribe(
        { query: params.query, variables: params.variables ?? undefined, operationName: params.operationName ?? undefined },
        {
          next: (result) => observer.next(result),
          error: (err) => finish({ errors: errorsOf(err) }),
          complete: () => finish(null),
        },
      );
      return {
        unsubscribe() {
          done = true;
          unsubscribe();
          client.dispose();
        },
      };
    },
  };
}

// errorsOf turns what graphql-ws reports into GraphQL errors: the server's
// errors as they are, a close event as its code and reason.
function errorsOf(err) {
  if (Array.isArray(err)) {
    return err;
  }
  if (err && typeof err.code === 'number') {
    return [{ message: `WebSocket closed: ${err.code} ${err.reason || ''}`.trim() }];
  }
  if (err instanceof Error) {
    return [{ message: err.message }];
  }
  return [{ message: 'WebSocket failed (see the browser console)' }];
}
