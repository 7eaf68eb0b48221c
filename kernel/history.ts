/** One executed cell: its session, execution count, input and (text) output. */
export interface HistoryEntry {
  readonly session: number;
  readonly line: number;
  readonly input: string;
  readonly output: string | null;
}

export interface HistoryRequest {
  hist_access_type?: string;
  output?: boolean;
  n?: number;
  session?: number;
  start?: number;
  stop?: number;
  pattern?: string;
  unique?: boolean;
}

/** `*` and `?` glob → RegExp, as IPython's history search uses. */
function globToRegExp(glob: string): RegExp {
  return new RegExp("^" + glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, ".") + "$");
}

/**
 * This kernel session's input history, answering `history_request` with `tail`, `range` and
 * `search` (kept in memory: it lasts as long as the kernel).
 */
export class History {
  /** IPython numbers the current session 1-based; one kernel process is one session here. */
  readonly session = 1;
  private readonly entries: HistoryEntry[] = [];

  add(line: number, input: string, output: string | null): void {
    this.entries.push({ session: this.session, line, input, output });
  }

  query(r: HistoryRequest): unknown[] {
    let found: HistoryEntry[];
    switch (r.hist_access_type) {
      case "tail":
        found = this.entries.slice(-Math.max(0, r.n ?? 10));
        break;
      case "range": {
        const start = r.start ?? 1;
        const stop = r.stop ?? Infinity;
        found = this.entries.filter((e) => (r.session === undefined || r.session === 0 || r.session === e.session) && e.line >= start && e.line < stop);
        break;
      }
      case "search": {
        const re = globToRegExp(r.pattern ?? "*");
        found = this.entries.filter((e) => re.test(e.input));
        if (r.unique) {
          const seen = new Set<string>();
          found = found.reverse().filter((e) => !seen.has(e.input) && seen.add(e.input)).reverse();
        }
        if (r.n) found = found.slice(-r.n);
        break;
      }
      default:
        found = [];
    }
    return found.map((e) => (r.output ? [e.session, e.line, [e.input, e.output]] : [e.session, e.line, e.input]));
  }
}
