/**
 * Live progress of a run: counters fed by the tasks, shown as one redrawn status line on a
 * terminal, or as plain log lines (one per finished source) when output is not a terminal.
 */
import type { RowError, SourceRecord } from '../types.js';

export interface ProgressCounts {
  seen: number;
  done: number;
  failed: number;
  refused: number;
  skipped: number;
  badRows: number;
  clipsKept: number;
  clipsDropped: number;
  videoSeconds: number;
  bytes: number;
  /** Total sources once ingest has read every input; undefined while still reading. */
  total?: number;
}

export class RunProgress {
  readonly counts: ProgressCounts = {
    seen: 0, done: 0, failed: 0, refused: 0, skipped: 0, badRows: 0,
    clipsKept: 0, clipsDropped: 0, videoSeconds: 0, bytes: 0,
  };
  private readonly started = Date.now();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly live = Boolean(process.stderr.isTTY) && !process.env.CI,
  ) {}

  start(): void {
    if (this.live) this.timer = setInterval(() => this.redraw(), 250).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.live) this.stream.write(`\r\x1b[2K${this.line()}\n`);
  }

  sourceSeen(): void {
    this.counts.seen++;
  }
  inputsExhausted(): void {
    this.counts.total = this.counts.seen;
  }
  badRow(row: RowError): void {
    this.counts.badRows++;
    this.log(`skipped manifest row ${row.line ? `${row.input}:${row.line}` : row.input}: ${row.message}`);
  }
  /** A source already finished by an earlier run. */
  skipped(): void {
    this.counts.skipped++;
  }

  finished(record: SourceRecord): void {
    const c = this.counts;
    if (record.status === 'done') c.done++;
    else if (record.status === 'refused') c.refused++;
    else c.failed++;
    for (const clip of record.clips) {
      if (clip.status === 'kept') c.clipsKept++;
      else c.clipsDropped++;
    }
    c.videoSeconds += record.probe?.durationSec ?? 0;
    c.bytes += record.provenance?.bytes ?? 0;
    if (record.status === 'done') {
      const kept = record.clips.filter((x) => x.status === 'kept').length;
      this.log(`done    ${record.id} ${kept}/${record.clips.length} clips kept  ${record.uri}`);
    } else {
      this.log(`${record.status.padEnd(7)} ${record.id} [${record.error?.code}] ${record.error?.message}  ${record.uri}`);
    }
  }

  /** Messages go above the status line on a terminal, as plain lines otherwise. */
  log(message: string): void {
    if (this.live && this.timer) this.stream.write(`\r\x1b[2K${message}\n${this.fitted()}`);
    else if (this.live) this.stream.write(`${message}\n`);
    else this.stream.write(`${new Date().toISOString()} ${message}\n`);
  }

  line(): string {
    const c = this.counts;
    const finished = c.done + c.failed + c.refused;
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = finished / Math.max(elapsed, 1e-3);
    const total = c.total !== undefined ? String(c.total - c.skipped) : `${c.seen - c.skipped}+`;
    const remaining = c.total !== undefined ? c.total - c.skipped - finished : undefined;
    const eta = remaining !== undefined && rate > 0 ? formatDuration(remaining / rate) : '?';
    return (
      `${finished}/${total} sources (${c.done} done, ${c.failed} failed, ${c.refused} refused` +
      (c.skipped ? `, ${c.skipped} done earlier` : '') +
      `) · ${c.clipsKept} clips · ${(c.videoSeconds / 3600).toFixed(3)} h video` +
      ` · ${(rate * 60).toFixed(1)}/min · ${formatThroughput(c.bytes, elapsed)}` +
      ` · ${(c.videoSeconds / Math.max(elapsed, 1e-3)).toFixed(1)}× realtime · ETA ${eta}`
    );
  }

  private redraw(): void {
    this.stream.write(`\r\x1b[2K${this.fitted()}`);
  }

  /** The status line cut to the terminal width: a wrapped line could not be redrawn in place. */
  private fitted(): string {
    const width = this.stream.columns || 120;
    const line = this.line();
    return line.length < width ? line : `${line.slice(0, width - 2)}…`;
  }
}

/** Download throughput of finished sources in MB/s (10^6 bytes), as download tools show it. */
function formatThroughput(bytes: number, seconds: number): string {
  return `${(bytes / 1e6 / Math.max(seconds, 1e-3)).toFixed(2)} MB/s`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
