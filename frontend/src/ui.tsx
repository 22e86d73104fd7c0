/** Small building blocks every screen uses: async loading, error and empty states, role gates. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, type Page } from './api';
import { session, type Role } from './auth';
import { useStore } from './store';

export type Async<T> = { state: 'loading' } | { state: 'failed'; error: Error } | { state: 'done'; value: T };

/** Runs `load` whenever `deps` change; `reload` runs it again. Stale answers are dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): [Async<T>, () => void] {
  const [result, setResult] = useState<Async<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setResult({ state: 'loading' });
    load().then(
      (value) => current && setResult({ state: 'done', value }),
      (error: Error) => current && setResult({ state: 'failed', error }),
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);
  return [result, useCallback(() => setGeneration((g) => g + 1), [])];
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError || error instanceof Error) return error.message;
  return 'Something went wrong.';
}

export function ErrorMessage({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div class="notice error" role="alert">
      <p>{messageOf(error)}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** " (local stack: read it in the mailbox)": where the local stack's sent mail is; nothing deployed. */
export function LocalMailboxLink({ mailbox }: { mailbox: string | undefined }) {
  if (!mailbox) return null;
  return (
    <>
      {' '}
      (local stack: read it in the{' '}
      <a href={mailbox} target="_blank" rel="noopener noreferrer">
        mailbox
      </a>
      )
    </>
  );
}

export function PageTitle({ children }: { children: ComponentChildren }) {
  // tabIndex -1: the app moves focus here after each navigation, so screen readers announce it.
  return (
    <h1 tabIndex={-1} class="page-title">
      {children}
    </h1>
  );
}

/** Shows `children` only to a signed-in user with one of `roles`. */
export function RequireRole({ roles, children }: { roles: Role[]; children: ComponentChildren }) {
  const current = useStore(session);
  if (!current) {
    const returnTo = encodeURIComponent(window.location.pathname + window.location.search);
    return (
      <section>
        <PageTitle>Sign in first</PageTitle>
        <p>
          This page needs you to be signed in. <a href={`/sign-in?returnTo=${returnTo}`}>Sign in</a>
        </p>
      </section>
    );
  }
  if (!roles.includes(current.role)) {
    return (
      <section>
        <PageTitle>Not for this account</PageTitle>
        <p>
          This page is for {roles.join(' or ')} accounts; you are signed in as {current.role}.
        </p>
      </section>
    );
  }
  return <>{children}</>;
}

export interface Paged<T> {
  items: T[];
  state: 'loading' | 'idle' | 'more';
  error: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/**
 * A list the API serves a page at a time ({items, nextCursor}): the first page whenever `deps`
 * change (answers to earlier deps are dropped), then "Load more" appends the next.
 */
export function usePaged<T>(load: (cursor?: string) => Promise<Page<T>>, deps: unknown[]): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<Paged<T>['state']>('loading');
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let current = true;
    setState('loading');
    setError(undefined);
    load().then(
      (page) => {
        if (!current) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setState('idle');
      },
      (failure: unknown) => {
        if (!current) return;
        setError(failure);
        setItems([]);
        setState('idle');
      },
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);

  const loadMore = () => {
    if (!cursor || state !== 'idle') return;
    setState('more');
    load(cursor).then(
      (page) => {
        setItems((existing) => [...existing, ...page.items]);
        setCursor(page.nextCursor);
        setState('idle');
      },
      (failure: unknown) => {
        setError(failure);
        setState('idle');
      },
    );
  };

  return { items, state, error, hasMore: cursor !== null, loadMore, reload: () => setGeneration((g) => g + 1) };
}

/** The "Load more" button of a paged list, while there is more. */
export function LoadMore({ paged }: { paged: Paged<unknown> }) {
  if (!paged.hasMore || paged.state === 'loading') return null;
  return (
    <button type="button" class="secondary" onClick={paged.loadMore} disabled={paged.state === 'more'}>
      {paged.state === 'more' ? 'Loading…' : 'Load more'}
    </button>
  );
}

/**
 * A labelled text input (the account pages' fields): its id ties the label to it, and a hint, if
 * given, is shown above it and read with it (aria-describedby).
 */
export function TextField({
  id,
  label,
  hint,
  value,
  onValue,
  ...input
}: {
  id: string;
  label: string;
  hint?: string;
  value: string;
  onValue: (value: string) => void;
  name: string;
  type?: string;
  inputMode?: 'numeric';
  autoComplete: string;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint !== undefined && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <input
        id={id}
        {...input}
        aria-describedby={hint !== undefined ? `${id}-hint` : undefined}
        required
        value={value}
        onInput={(event) => onValue(event.currentTarget.value)}
      />
    </div>
  );
}
