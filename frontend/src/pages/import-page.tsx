/** Admin: upload a catalog CSV. POST /imports gives a presigned POST; the file goes straight to S3. */
import { useState } from 'preact/hooks';
import { describeBytes, maxCatalogFileBytes } from '../../../shared/imports/import-limits';
import { ApiError, uploadFile } from '../api';
import { useShop } from '../context';
import { navigate } from '../router';
import { ErrorMessage, PageTitle } from '../ui';

/** The Content-Type POST /imports expects for each accepted extension (shared/imports/import-requests.ts). */
function contentTypeOf(fileName: string): string | undefined {
  if (/\.csv\.gz$/i.test(fileName)) return 'application/gzip';
  if (/\.csv$/i.test(fileName)) return 'text/csv';
  return undefined;
}

export function ImportPage() {
  const { api } = useShop();
  const [file, setFile] = useState<File>();
  const [step, setStep] = useState<'idle' | 'creating' | 'uploading'>('idle');
  const [error, setError] = useState<unknown>();

  async function upload(event: Event) {
    event.preventDefault();
    setError(undefined);
    if (!file) return setError(new Error('Choose a .csv or .csv.gz file first.'));
    const contentType = contentTypeOf(file.name);
    if (!contentType) return setError(new Error(`${file.name} is not a .csv or .csv.gz file.`));
    // S3 refuses it too (the upload's policy); said here, no job is created for it.
    if (file.size > maxCatalogFileBytes) {
      return setError(
        new Error(`${file.name} is larger than ${describeBytes(maxCatalogFileBytes)}, the most an import takes.`),
      );
    }
    try {
      setStep('creating');
      const created = await api.createImport(file.name, contentType);
      setStep('uploading');
      await uploadFile(created, file);
      navigate(`/admin/imports/${created.importId}`);
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 400 ? new Error(`${failure.message}: ${file.name}`) : failure,
      );
      setStep('idle');
    }
  }

  return (
    <section>
      <PageTitle>Import a catalog file</PageTitle>
      <p>
        A CSV with the header <code>sku,name,description,category,price,currency,stock</code> (any column order), plain
        or gzipped, up to {describeBytes(maxCatalogFileBytes)} of CSV (a gzipped file counts unzipped). Valid rows
        replace the products with the same SKU; a report lists the rows that could not be imported.
      </p>
      <form class="editor" onSubmit={(event) => void upload(event)}>
        <div class="field">
          <label for="import-file">Catalog file</label>
          <input
            id="import-file"
            type="file"
            accept=".csv,.gz,text/csv,application/gzip"
            onChange={(event) => setFile(event.currentTarget.files?.[0])}
          />
        </div>
        {error !== undefined && <ErrorMessage error={error} />}
        <button type="submit" disabled={step !== 'idle'}>
          {step === 'creating' ? 'Preparing the upload…' : step === 'uploading' ? 'Uploading…' : 'Upload and import'}
        </button>
      </form>
    </section>
  );
}
