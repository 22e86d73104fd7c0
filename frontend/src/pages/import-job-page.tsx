/**
 * Admin: one import's live progress, polled until it is COMPLETED or FAILED. A PARTIALLY_LOADED job
 * is polled more slowly: a redrive of its dead-lettered chunks carries it on to COMPLETED.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ImportJob } from '../api';
import { useShop } from '../context';
import { formatDateTime } from '../format';
import { ErrorMessage, Loading, PageTitle } from '../ui';

const pollMs = 1000;
const partlyLoadedPollMs = 5000;
const finished = (job: ImportJob) => job.status === 'COMPLETED' || job.status === 'FAILED';

const statusText: Record<ImportJob['status'], string> = {
  PENDING: 'Waiting for the file to be read',
  LOADING: 'Loading rows into the catalog',
  PARTIALLY_LOADED: 'Partly loaded: some rows wait in the dead-letter queue',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
};

export function ImportJobPage({ importId }: { importId: string }) {
  const { api } = useShop();
  const [job, setJob] = useState<ImportJob>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const poll = async () => {
      try {
        const next = await api.getImport(importId);
        if (stopped) return;
        setJob(next);
        setError(undefined);
        if (finished(next)) return;
        if (next.status === 'PARTIALLY_LOADED') {
          timer = setTimeout(() => void poll(), partlyLoadedPollMs);
          return;
        }
      } catch (failure) {
        if (stopped) return;
        setError(failure);
      }
      timer = setTimeout(() => void poll(), pollMs);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, importId]);

  if (!job) return error !== undefined ? <ErrorMessage error={error} /> : <Loading what="the import" />;

  const read = job.rowsRead ?? 0;
  const done = (job.rowsLoaded ?? 0) + (job.rowsRejected ?? 0) + (job.rowsRefused ?? 0);
  return (
    <section>
      <PageTitle>Import of {job.fileName}</PageTitle>
      <p class="meta">Started {formatDateTime(job.createdAt)}</p>
      <p class={`import-status ${job.status.toLowerCase()}`} role="status">
        <span class="visually-hidden">Status: </span>
        <strong data-status={job.status}>{job.status}</strong> — {statusText[job.status]}
      </p>
      {job.status !== 'PENDING' && read > 0 && (
        <p>
          <label for="import-progress">Rows accounted for</label>{' '}
          <progress id="import-progress" max={read} value={done}>
            {done} of {read}
          </progress>
        </p>
      )}
      <dl class="counts">
        <div>
          <dt>Rows read</dt>
          <dd data-count="rowsRead">{job.rowsRead ?? '–'}</dd>
        </div>
        <div>
          <dt>Rows rejected</dt>
          <dd data-count="rowsRejected">{job.rowsRejected ?? '–'}</dd>
        </div>
        <div>
          <dt>Rows loaded</dt>
          <dd data-count="rowsLoaded">{job.rowsLoaded ?? '–'}</dd>
        </div>
        {(job.rowsRefused ?? 0) > 0 && (
          <div>
            <dt>Rows refused at loading</dt>
            <dd data-count="rowsRefused">{job.rowsRefused}</dd>
          </div>
        )}
        {(job.rowsDeadLettered ?? 0) > 0 && (
          <div>
            <dt>Rows in the dead-letter queue</dt>
            <dd data-count="rowsDeadLettered">{job.rowsDeadLettered}</dd>
          </div>
        )}
      </dl>
      {job.failureReason && (
        <div class="notice error" role="alert">
          <p>{job.failureReason}</p>
        </div>
      )}
      {job.refusals && job.refusals.length > 0 && (
        <details>
          <summary>
            Rows refused at loading{(job.rowsRefused ?? 0) > job.refusals.length ? ' (the first ones)' : ''}
          </summary>
          <ul>
            {job.refusals.map((refusal) => (
              <li key={refusal.row}>
                Row {refusal.row} ({refusal.sku}): {refusal.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {job.rejectsUrl && (
        <p>
          <a href={job.rejectsUrl} download>
            Download the rejects report
          </a>{' '}
          (which rows were not imported, and why; the link works for a few minutes)
        </p>
      )}
      {error !== undefined && <ErrorMessage error={error} />}
      <p>
        <a href="/admin/imports">Import another file</a>
      </p>
    </section>
  );
}
