import cliProgress from "cli-progress";

/** A terminal progress bar with ETA for training steps; silent (plain log lines) when not on a TTY. */
export class StepProgress {
  private readonly bar: cliProgress.SingleBar | null;
  private lastLog = 0;

  constructor(private readonly total: number, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.bar = stream.isTTY
      ? new cliProgress.SingleBar({ format: "{bar} {percentage}% | {value}/{total} steps | ETA {eta_formatted} | {run} loss {loss}", stream, hideCursor: true }, cliProgress.Presets.shades_classic)
      : null;
    this.bar?.start(total, 0, { run: "", loss: "–" });
  }

  update(done: number, run: string, loss: number): void {
    if (this.bar) return this.bar.update(done, { run, loss: loss.toFixed(3) });
    // Without a TTY (CI, pipes), a line every 10% keeps logs readable.
    const tenth = Math.floor((10 * done) / this.total);
    if (tenth > this.lastLog || done === this.total) {
      this.lastLog = tenth;
      this.stream.write(`[${String(Math.round((100 * done) / this.total)).padStart(3)}%] ${done}/${this.total} steps  ${run}  loss ${loss.toFixed(3)}\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}
