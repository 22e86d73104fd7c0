/**
 * The clickstream tracker: product views and add-to-cart clicks, queued and sent to POST /events
 * in batches (every few seconds, or at 25 events), and flushed when the page is hidden (the tab
 * closed, switched away from, or the phone locked), when a timer may never fire again.
 *
 * Tracking must never get in the shopper's way: nothing here blocks, throws or shows an error.
 * What cannot be sent now is kept (up to a bound) and sent later; what the API refuses as invalid
 * is dropped. The session id is random, per tab (sessionStorage), and says nothing about the user.
 */
import type { ClickstreamEventType } from '../../shared/clickstream/clickstream-record';

export interface ClickEvent {
  type: ClickstreamEventType;
  sku: string;
  sessionId: string;
  occurredAt: string;
}

interface TrackerOptions {
  /** The API's base URL, without a trailing slash. */
  apiUrl: string;
  fetch?: typeof fetch;
  storage?: Storage;
  now?: () => Date;
}

const sessionKey = 'shelf.clickstream.session';
const pendingKey = 'shelf.clickstream.pending';
const flushEveryMs = 5_000;
const batchSize = 25;
/** Kept at most while the API cannot be reached; the oldest go first. */
const maxQueued = 500;
/**
 * The browser lets keepalive requests (the ones that outlive the page) carry at most 64 KiB of
 * body in total at once; a page-hide flush stays under it and keeps the rest for the next page.
 */
const keepaliveBudgetBytes = 60_000;
/** The API refuses events older than a day: pending ones past that are not sent. */
const maxAgeMs = 23 * 60 * 60 * 1000;

function randomSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  // base64url of 18 bytes: 24 characters of [A-Za-z0-9_-].
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

export function createTracker(options: TrackerOptions) {
  const send = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const storage = options.storage;
  const now = options.now ?? (() => new Date());
  let queue: ClickEvent[] = [];
  let pausedUntil = 0;
  let inFlight = false;

  const sessionId = (() => {
    try {
      const existing = storage?.getItem(sessionKey);
      if (existing && /^[A-Za-z0-9_-]{8,64}$/.test(existing)) return existing;
      const id = randomSessionId();
      storage?.setItem(sessionKey, id);
      return id;
    } catch {
      // Storage disabled (some private windows): a session id for this page only.
      return randomSessionId();
    }
  })();

  function restorePending(): void {
    try {
      const raw = storage?.getItem(pendingKey);
      storage?.removeItem(pendingKey);
      const pending: unknown = raw ? JSON.parse(raw) : [];
      if (!Array.isArray(pending)) return;
      const oldest = now().getTime() - maxAgeMs;
      queue = (pending as ClickEvent[])
        .filter((e) => typeof e?.occurredAt === 'string' && Date.parse(e.occurredAt) > oldest)
        .concat(queue)
        .slice(-maxQueued);
    } catch {
      // Nothing usable was kept.
    }
  }

  function keepPending(): void {
    try {
      if (queue.length > 0) storage?.setItem(pendingKey, JSON.stringify(queue));
      else storage?.removeItem(pendingKey);
    } catch {
      // Storage full or disabled: these events are lost with the page.
    }
  }

  function requeue(events: ClickEvent[]): void {
    queue = [...events, ...queue].slice(-maxQueued);
  }

  /** Sends `events` in one request; puts back whatever the API did not store. */
  async function post(events: ClickEvent[], keepalive: boolean): Promise<void> {
    let response: Response;
    try {
      response = await send(`${options.apiUrl}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
        keepalive,
      });
    } catch {
      requeue(events);
      return;
    }
    if (response.ok) return;
    const body = (await response.json().catch(() => undefined)) as
      { error?: { details?: { notStored?: number[]; retryAfterSeconds?: number } } } | undefined;
    const details = body?.error?.details;
    if (response.status === 429) {
      pausedUntil = now().getTime() + (details?.retryAfterSeconds ?? 60) * 1000;
      requeue(events);
    } else if (response.status === 503 && Array.isArray(details?.notStored)) {
      // Only those: the others are stored, and sending them again would count them twice.
      requeue(details.notStored.flatMap((i) => (events[i] ? [events[i]] : [])));
    } else if (response.status >= 500) {
      requeue(events);
    }
    // A 4xx other than 429: these events will never be taken; they are dropped.
  }

  async function flush(): Promise<void> {
    if (inFlight || queue.length === 0 || now().getTime() < pausedUntil) return;
    inFlight = true;
    try {
      while (queue.length > 0 && now().getTime() >= pausedUntil) {
        const batch = queue.splice(0, batchSize);
        await post(batch, false);
        if (queue.length > 0 && queue[0] === batch[0]) break; // put back whole: try again later
      }
    } finally {
      inFlight = false;
    }
  }

  /** The page is going away: send what fits in the keepalive budget, keep the rest for later. */
  function flushOnHide(): void {
    const events: ClickEvent[] = [];
    let bytes = 20;
    while (queue.length > 0) {
      const size = JSON.stringify(queue[0]).length + 1;
      if (bytes + size > keepaliveBudgetBytes) break;
      bytes += size;
      events.push(queue.shift()!);
    }
    keepPending();
    if (events.length > 0) void post(events, true).then(keepPending);
  }

  return {
    sessionId,
    /** Records one event; never throws. */
    track(type: ClickstreamEventType, sku: string): void {
      queue = [...queue, { type, sku, sessionId, occurredAt: now().toISOString() }].slice(-maxQueued);
      if (queue.length >= batchSize) void flush();
    },
    flush,
    flushOnHide,
    /** How many events wait to be sent (for tests and the curious). */
    pending: () => queue.length,
    /** Starts the timer and the page-hide flush; returns a function that stops them. */
    start(): () => void {
      restorePending();
      const timer = setInterval(() => void flush(), flushEveryMs);
      const onVisibility = () => {
        if (document.visibilityState === 'hidden') flushOnHide();
      };
      document.addEventListener('visibilitychange', onVisibility);
      // Safari does not always send visibilitychange when a page is unloaded.
      window.addEventListener('pagehide', flushOnHide);
      return () => {
        clearInterval(timer);
        document.removeEventListener('visibilitychange', onVisibility);
        window.removeEventListener('pagehide', flushOnHide);
      };
    },
  };
}

export type Tracker = ReturnType<typeof createTracker>;

let tracker: Tracker | undefined;

/** Starts the app's tracker once its settings (the API's URL) are known (main.tsx). */
export function startClickstream(apiUrl: string): void {
  try {
    tracker = createTracker({ apiUrl, storage: sessionStorage });
    tracker.start();
  } catch {
    tracker = undefined;
  }
}

/** Records a product view or an add-to-cart click; does nothing before the tracker starts. */
export function trackClick(type: ClickstreamEventType, sku: string): void {
  try {
    tracker?.track(type, sku);
  } catch {
    // Tracking never breaks the shop.
  }
}
