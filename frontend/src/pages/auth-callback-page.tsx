/** Where Cognito's hosted UI sends the browser back with an authorization code. */
import { useEffect, useState } from 'preact/hooks';
import { finishHostedSignIn } from '../auth';
import { useShop } from '../context';
import { navigate, safeReturnPath } from '../router';
import { ErrorMessage, Loading, PageTitle } from '../ui';

export function AuthCallbackPage({ query }: { query: URLSearchParams }) {
  const { config } = useShop();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (config.auth.mode !== 'cognito') {
      setError(new Error('This Shelf does not use Cognito sign-in.'));
      return;
    }
    finishHostedSignIn(config.auth, query).then(
      (returnTo) => navigate(safeReturnPath(returnTo), { replace: true }),
      (failure: unknown) => setError(failure),
    );
    // The code can be exchanged once: run on the first render only.
  }, []);

  return (
    <section>
      <PageTitle>Signing you in</PageTitle>
      {error === undefined ? (
        <Loading what="your account" />
      ) : (
        <>
          <ErrorMessage error={error} />
          <p>
            <a href="/sign-in">Sign in again</a>
          </p>
        </>
      )}
    </section>
  );
}
