/** Sign in: Cognito's hosted UI when deployed; locally, a token from the local issuer. */
import { useState } from 'preact/hooks';
import { signInLocally, signInWithPassword, startHostedSignIn, type Role } from '../auth';
import { useShop } from '../context';
import { navigate, safeReturnPath } from '../router';
import { ErrorMessage, PageTitle, TextField } from '../ui';

const roleChoices: [Role, string][] = [
  ['shopper', 'Shopper: browse, order, see my orders'],
  ['admin', 'Admin: edit products, import catalog files'],
];

export function SignInPage({ returnTo }: { returnTo: string }) {
  const { config } = useShop();
  const [role, setRole] = useState<Role>('shopper');
  const [userId, setUserId] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  if (config.auth.mode === 'cognito') {
    const auth = config.auth;
    return (
      <section>
        <PageTitle>Sign in</PageTitle>
        <p>You will be taken to Shelf’s sign-in page and brought back here.</p>
        {error !== undefined && <ErrorMessage error={error} />}
        <button
          type="button"
          onClick={() =>
            void startHostedSignIn(auth, safeReturnPath(returnTo)).catch((failure: unknown) => setError(failure))
          }
        >
          Continue to sign in
        </button>
      </section>
    );
  }

  const localAuth = config.auth;
  const userPool = localAuth.userPool;
  async function submitPassword(event: Event) {
    event.preventDefault();
    if (!userPool) return;
    setBusy(true);
    setError(undefined);
    try {
      await signInWithPassword(userPool, email.trim(), password);
      navigate(safeReturnPath(returnTo), { replace: true });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signInLocally(localAuth, userId.trim() || `demo-${role}`, role);
      navigate(safeReturnPath(returnTo), { replace: true });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <PageTitle>Sign in (local stack only)</PageTitle>
      <p class="notice warning">
        This sign-in exists only on your machine: it asks the local issuer (the one <code>npm run token</code> uses) for
        a token for any user and role. A deployed Shelf signs in with Amazon Cognito instead.
      </p>
      <form class="editor" onSubmit={(event) => void submit(event)}>
        <fieldset>
          <legend>Role</legend>
          {roleChoices.map(([value, text]) => (
            <label key={value} class="choice">
              <input type="radio" name="role" value={value} checked={role === value} onChange={() => setRole(value)} />
              {text}
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="sign-in-user">User id</label>
          <p class="hint" id="sign-in-user-hint">
            Any name; orders belong to it. Empty means demo-{role}.
          </p>
          <input
            id="sign-in-user"
            name="user"
            autoComplete="username"
            aria-describedby="sign-in-user-hint"
            maxLength={64}
            pattern="[A-Za-z0-9._@\-]*"
            value={userId}
            onInput={(event) => setUserId(event.currentTarget.value)}
          />
        </div>
        {error !== undefined && <ErrorMessage error={error} />}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {userPool && (
        <>
          <h2>Shopper account</h2>
          <p>
            Or sign in with the e-mail and password you signed up with (the local user pool, which runs the same Cognito
            triggers as a deployed Shelf). New here?{' '}
            <a href={`/sign-up?returnTo=${encodeURIComponent(returnTo)}`}>Sign up</a>.
          </p>
          <form class="editor" onSubmit={(event) => void submitPassword(event)}>
            <TextField
              id="sign-in-email"
              label="E-mail"
              name="email"
              type="email"
              autoComplete="email"
              value={email}
              onValue={setEmail}
            />
            <TextField
              id="sign-in-password"
              label="Password"
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onValue={setPassword}
            />
            <button type="submit" disabled={busy}>
              Use my account
            </button>
          </form>
        </>
      )}
    </section>
  );
}
