/**
 * Sign up (local stack): e-mail and password → the code Cognito mails → signed in as a shopper.
 * The same calls Cognito's API takes, on the local user pool, which runs the pool's triggers
 * (docs/labs/18-cognito-sign-up-triggers.md). Deployed, the hosted UI's "Sign up" does this.
 */
import { useState } from 'preact/hooks';
import { confirmSignUp, signInWithPassword, signUp } from '../auth';
import { useShop } from '../context';
import { navigate, safeReturnPath } from '../router';
import { ErrorMessage, LocalMailboxLink, PageTitle, TextField } from '../ui';

export function SignUpPage({ returnTo }: { returnTo: string }) {
  const { config } = useShop();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [step, setStep] = useState<'details' | 'code'>('details');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const pool = config.auth.mode === 'local' ? config.auth.userPool : undefined;

  if (!pool) {
    return (
      <section>
        <PageTitle>Sign up</PageTitle>
        <p>
          Sign up on the <a href={`/sign-in?returnTo=${encodeURIComponent(returnTo)}`}>sign-in page</a>.
        </p>
      </section>
    );
  }
  const userPool = pool;

  async function run(work: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const submitDetails = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      await signUp(userPool, email.trim(), password);
      setStep('code');
    });
  };
  const submitCode = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      await confirmSignUp(userPool, email.trim(), code.trim());
      await signInWithPassword(userPool, email.trim(), password);
      navigate(safeReturnPath(returnTo), { replace: true });
    });
  };

  return (
    <section>
      <PageTitle>Sign up</PageTitle>
      {step === 'details' ? (
        <form class="editor" onSubmit={submitDetails}>
          <TextField
            id="sign-up-email"
            label="E-mail"
            name="email"
            type="email"
            autoComplete="email"
            value={email}
            onValue={setEmail}
          />
          <TextField
            id="sign-up-password"
            label="Password"
            hint="At least 12 characters, with upper and lower case letters and a number."
            name="password"
            type="password"
            autoComplete="new-password"
            value={password}
            onValue={setPassword}
          />
          {error !== undefined && <ErrorMessage error={error} />}
          <button type="submit" disabled={busy}>
            {busy ? 'Signing up…' : 'Sign up'}
          </button>
        </form>
      ) : (
        <form class="editor" onSubmit={submitCode}>
          <p class="notice">
            We mailed a confirmation code to {email.trim()}
            <LocalMailboxLink mailbox={config.mailbox} />.
          </p>
          <TextField
            id="sign-up-code"
            label="Confirmation code"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onValue={setCode}
          />
          {error !== undefined && <ErrorMessage error={error} />}
          <button type="submit" disabled={busy}>
            {busy ? 'Confirming…' : 'Confirm and sign in'}
          </button>
        </form>
      )}
    </section>
  );
}
