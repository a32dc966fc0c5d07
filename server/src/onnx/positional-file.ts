/**
 * Reads a file by position (pread), never as a whole: `fs.readFile` stops at 2 GiB and a
 * model may be larger than memory. The descriptor stays open until `close`.
 */
import * as fs from 'node:fs';

export class PositionalFile {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** Opens `path` for positional reads; throws the fs error (ENOENT, EISDIR...) as is. */
  static open(path: string): PositionalFile {
    const fd = fs.openSync(path, 'r');
    try {
      const stat = fs.fstatSync(fd);
      if (stat.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, open '${path}'`), { code: 'EISDIR' });
      return new PositionalFile(path, fd, stat.size);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  /**
   * Fills `target[targetOffset, targetOffset + length)` from file offset `position`; returns
   * the bytes read, fewer only at end of file. Loops because one pread may return less.
   */
  readInto(target: Uint8Array, targetOffset: number, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, target, targetOffset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  /** Asynchronous variant for bulk tensor reads, so a large read does not block the event loop. */
  async readIntoAsync(target: Uint8Array, targetOffset: number, length: number, position: number): Promise<number> {
    let done = 0;
    while (done < length) {
      const n = await new Promise<number>((resolve, reject) =>
        fs.read(this.fd, target, targetOffset + done, length - done, position + done, (error, bytesRead) =>
          error ? reject(error) : resolve(bytesRead),
        ),
      );
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
