/** A one-line progress bar on a terminal's stderr; silent when not a terminal or when output is machine-readable. */
export class ProgressBar {
  private count = 0;
  private lastDraw = 0;
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly enabled: boolean,
    private readonly total: number,
  ) {}

  tick(n: number): void {
    this.count += n;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 80 && this.count < this.total) return;
    this.lastDraw = now;
    const width = 30;
    const done = this.total ? Math.round((this.count / this.total) * width) : width;
    this.stream.write(`\r[${'='.repeat(done)}${' '.repeat(width - done)}] ${this.count}/${this.total} files`);
  }

  done(): void {
    if (this.enabled && this.lastDraw) this.stream.write('\r\x1b[K');
  }
}
