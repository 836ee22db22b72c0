/**
 * One status line on stderr: rewritten in place on a terminal, one line every few seconds
 * otherwise (CI logs), so the report on stdout stays clean.
 */
export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastPrinted = 0;
  private shown = false;

  update(text: string): void {
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns ?? 160) - 1)}`);
      this.shown = true;
    } else if (Date.now() - this.lastPrinted >= 5000) {
      process.stderr.write(`${text}\n`);
      this.lastPrinted = Date.now();
    }
  }

  /** A line that stays: a step starting or finishing. */
  say(text: string): void {
    this.clear();
    process.stderr.write(`${text}\n`);
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
    this.lastPrinted = 0;
  }
}
