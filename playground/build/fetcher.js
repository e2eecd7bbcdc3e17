// fetcher.js is a small same-origin GraphQL-over-HTTP fetcher. It replaces
// @graphiql/toolkit's createGraphiQLFetcher, whose optional subscription
// support drags in graphql-ws and meros, which the playground never needs.

// createFetcher returns a GraphiQL fetcher that POSTs to endpoint with the
// headers from the Headers editor. A body that is not JSON (a proxy error
// page, say) is shown as text instead of failing silently.
export function createFetcher(endpoint) {
  return async (params, options) => {
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
