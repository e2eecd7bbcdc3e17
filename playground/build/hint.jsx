// hint.jsx tells a visitor without a token how to get one: without it
// almost every field answers UNAUTHENTICATED, and the stock GraphiQL page
// says nothing about where tokens come from.
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { useEditorContext } from '@graphiql/react';

// EXAMPLE is the document a first visit opens on: who am I, and how to get
// a token when the answer is UNAUTHENTICATED.
export const EXAMPLE = `# userbridge: one user store, as GraphQL and four legacy REST dialects.
#
# Run "Me" (the play button) to see who your token belongs to. Without a
# token it answers UNAUTHENTICATED: run "Login" with your account instead,
# copy the token it returns, and put it in the Headers tab below as
#   {"Authorization": "Bearer <token>"}
# The command line mints one too: userbridge token create --user EMAIL

query Me {
  viewer {
    email
    role
    publicID
  }
}

mutation Login {
  login(email: "admin@example.com", password: "change-me-now") {
    token
  }
}
`;

// LOGIN is the login mutation alone, opened in a tab of its own from the
// hint.
const LOGIN = `mutation Login {
  login(email: "admin@example.com", password: "change-me-now") {
    token
  }
}
`;

// hasToken reports whether the Headers editor's text carries an
// Authorization header with a value.
export function hasToken(headers) {
  try {
    const parsed = JSON.parse(headers || '{}');
    return Object.entries(parsed).some(
      ([name, value]) => name.toLowerCase() === 'authorization' && typeof value === 'string' && value.trim().split(/\s+/).length === 2,
    );
  } catch {
    return /"authorization"\s*:\s*"\S+\s+\S+"/i.test(headers || '');
  }
}

// TokenHint renders, above the playground (into target), how to get a
// token, for as long as the active tab's headers carry none.
export function TokenHint({ target }) {
  const { headerEditor } = useEditorContext({ nonNull: true });
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    if (!headerEditor) {
      return undefined;
    }
    const update = () => setMissing(!hasToken(headerEditor.getValue()));
    update();
    headerEditor.on('change', update);
    return () => headerEditor.off('change', update);
  }, [headerEditor]);
  if (!missing || !target) {
    return null;
  }
  const login = `?query=${encodeURIComponent(LOGIN)}`;
  return createPortal(
    <div className="ub-hint" role="note" id="token-hint">
      <strong>No token yet</strong>: queries run anonymously and most fields answer UNAUTHENTICATED. Get one with
      the <a href={login}>login mutation</a> (your e-mail and password; copy its <code>token</code>), or on the
      command line with <code>userbridge token create --user EMAIL</code> (<code>go run . token create</code> from
      a clone), then put <code>{'{"Authorization": "Bearer <token>"}'}</code> in the Headers tab below.
      Applications sign people in through OAuth instead (docs/signing-in.md in the repository).
    </div>,
    target,
  );
}
