/**
 * ProtoCentral OpenView framing (HealthyPi 5 over USB/UART):
 *   0x0A 0xFA len_lo len_hi type payload[len] 0x00 0x0B
 * The protocol has no checksum, so the framer only trusts a frame whose start marker,
 * bounded length and stop marker all line up. After garbage or a truncated frame it
 * resynchronises by rescanning from the byte after the false start, so a real frame
 * hidden inside the bytes of a broken candidate is still found.
 *
 * Known packet types must carry their exact length, which is what keeps a start marker that
 * happens to appear in garbage from swallowing the real frames behind it. A well-formed frame
 * of an unknown type is reported but not trusted: scanning resumes right after its start
 * marker, so real frames inside it are never lost.
 *
 * Pure and allocation-free per byte: bytes are copied into one preallocated buffer and
 * frames are handed out as views into it (valid only during the callback).
 */
export const OPENVIEW_SOF0 = 0x0a;
export const OPENVIEW_SOF1 = 0xfa;
export const OPENVIEW_EOF0 = 0x00;
export const OPENVIEW_EOF1 = 0x0b;
/** Header bytes (2 start, 2 length, 1 type) and trailer bytes. */
export const OPENVIEW_HEADER = 5;
export const OPENVIEW_TRAILER = 2;

export interface FramerStats {
  /** Frames accepted (all types). */
  frames: number;
  /** Bytes skipped while hunting for a start marker or discarding a broken candidate. */
  droppedBytes: number;
  /** Candidates rejected: length over the bound or stop marker missing (garbage, truncation). */
  badFrames: number;
}

export type FrameHandler = (type: number, payload: Uint8Array) => void;

export class OpenViewFramer {
  private readonly buf: Uint8Array;
  private len = 0;
  readonly stats: FramerStats = { frames: 0, droppedBytes: 0, badFrames: 0 };

  /**
   * @param onFrame called for each valid frame; `payload` is a view valid only during the call.
   * @param maxPayload bound on the length field; anything longer is treated as garbage.
   */
  constructor(
    private readonly onFrame: FrameHandler,
    readonly maxPayload = 512,
    /** Exact payload length of a known packet type, or -1 for a type this hub does not know. */
    private readonly lengthOf: (type: number) => number = () => -1,
  ) {
    // Room for one whole maximal frame plus a copy window of the same size.
    this.buf = new Uint8Array(2 * (maxPayload + OPENVIEW_HEADER + OPENVIEW_TRAILER) + 1024);
  }

  /** Feed any number of bytes. Never throws on content (a throwing handler propagates). */
  push(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(this.buf.length - this.len, chunk.length - off);
      this.buf.set(chunk.subarray(off, off + n), this.len);
      this.len += n;
      off += n;
      this.scan();
    }
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pending(): number {
    return this.len;
  }

  /** Drop any partial frame (e.g. after a reconnect: its tail will never come). */
  reset(): void {
    this.stats.droppedBytes += this.len;
    this.len = 0;
  }

  private scan(): void {
    const b = this.buf;
    const end = this.len;
    let i = 0;
    for (;;) {
      // Hunt for the two-byte start marker.
      while (i < end - 1 && !(b[i] === OPENVIEW_SOF0 && b[i + 1] === OPENVIEW_SOF1)) {
        i++;
        this.stats.droppedBytes++;
      }
      if (i === end - 1 && b[i] !== OPENVIEW_SOF0) {
        i++;
        this.stats.droppedBytes++;
      }
      if (end - i < OPENVIEW_HEADER) break;
      const plen = (b[i + 2] as number) | ((b[i + 3] as number) << 8);
      if (plen > this.maxPayload) {
        this.stats.badFrames++;
        this.stats.droppedBytes++;
        i++;
        continue;
      }
      const type = b[i + 4] as number;
      const known = this.lengthOf(type);
      if (known >= 0 && known !== plen) {
        this.stats.badFrames++;
        this.stats.droppedBytes++;
        i++;
        continue;
      }
      const total = OPENVIEW_HEADER + plen + OPENVIEW_TRAILER;
      if (end - i < total) break;
      if (b[i + OPENVIEW_HEADER + plen] === OPENVIEW_EOF0 && b[i + OPENVIEW_HEADER + plen + 1] === OPENVIEW_EOF1) {
        this.stats.frames++;
        const start = i;
        if (known >= 0) {
          i += total;
        } else {
          // Unknown type: report it, but keep scanning inside it (see header comment).
          i += 2;
          this.stats.droppedBytes += 2;
        }
        this.onFrame(type, b.subarray(start + OPENVIEW_HEADER, start + OPENVIEW_HEADER + plen));
      } else {
        // Not a frame after all (garbage or a frame cut short): rescan from the next byte.
        this.stats.badFrames++;
        this.stats.droppedBytes++;
        i++;
      }
    }
    if (i > 0) {
      this.buf.copyWithin(0, i, this.len);
      this.len -= i;
    }
  }
}
