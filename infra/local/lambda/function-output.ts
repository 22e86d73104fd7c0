/**
 * The functions' output as lines: serverless-offline runs every handler in its own process (worker
 * threads), so what the functions write to stdout and stderr arrives as serverless-offline's
 * output, in chunks. Each stream is cut into lines on its own (a chunk of one never ends a line
 * of the other) and every line goes to whoever listens: the CloudWatch Logs module's
 * subscriptions (aws/logs/service.ts).
 */
export type OutputStream = 'stdout' | 'stderr';
export type OutputListener = (line: string, stream: OutputStream) => void;

/** A line longer than this is passed on in pieces rather than held without bound. */
const longestLine = 1024 * 1024;

export class FunctionOutput {
  private readonly listeners = new Set<OutputListener>();
  private readonly partial: Record<OutputStream, string> = { stdout: '', stderr: '' };

  write(chunk: Buffer | string, stream: OutputStream): void {
    const lines = (this.partial[stream] + chunk.toString()).split(/\r?\n/);
    let rest = lines.pop()!;
    for (; rest.length > longestLine; rest = rest.slice(longestLine)) lines.push(rest.slice(0, longestLine));
    this.partial[stream] = rest;
    for (const line of lines) for (const listener of this.listeners) listener(line, stream);
  }

  /** Calls `listener` with each complete line from now on; returns the unsubscribe. */
  subscribe(listener: OutputListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}
