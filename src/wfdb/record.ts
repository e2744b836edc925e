/**
 * File-level access to WFDB records: `<path>.hea`, its data files (named in the header,
 * resolved next to it) and `<path>.<annotator>`. File problems throw VigilError
 * (FILE_MISSING, FILE_UNREADABLE, HEADER_INVALID, FORMAT_UNSUPPORTED, ANNOTATION_INVALID);
 * a data file shorter than the header promises is not an error: the record says so.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { VigilError, systemCode } from '../core/errors.ts';
import { parseAnnotations, type AnnotationSet } from './annotations.ts';
import { parseHeader, type WfdbHeader } from './header.ts';
import { RecordDecoder, decodeSignals, verifyChecksums, type ChecksumCheck, type DecodedSignals } from './signals.ts';

/** A header with the raw bytes of its data files, ready for block decoding. */
export interface RecordSource {
  readonly header: WfdbHeader;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

export interface WfdbRecord extends DecodedSignals {
  readonly header: WfdbHeader;
  /** One entry per signal; `ok` is false when the sum differs from the header's. */
  readonly checksums: readonly ChecksumCheck[];
}

async function readWfdbFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e: unknown) {
    const sc = systemCode(e);
    if (sc === 'ENOENT' || sc === 'ENOTDIR') {
      throw new VigilError('VIGIL_WFDB_FILE_MISSING', `WFDB file not found: ${file}`, { cause: e, details: { file } });
    }
    throw new VigilError('VIGIL_WFDB_FILE_UNREADABLE', `cannot read WFDB file ${file}`, { cause: e, details: { file, systemCode: sc } });
  }
}

/** Read and parse `<pathWithoutExt>.hea`. */
export async function readHeader(pathWithoutExt: string): Promise<WfdbHeader> {
  const file = `${pathWithoutExt}.hea`;
  const bytes = await readWfdbFile(file);
  const r = parseHeader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), path.basename(pathWithoutExt));
  if (!r.ok) {
    throw new VigilError(r.error.code, `${file}: ${r.error.message}`, { cause: r.error, details: { ...r.error.details, file } });
  }
  return r.header;
}

/** Header plus the bytes of every data file it names (each file read once). */
export async function loadRecordSource(pathWithoutExt: string): Promise<RecordSource> {
  const header = await readHeader(pathWithoutExt);
  const dir = path.dirname(pathWithoutExt);
  const files = new Map<string, Uint8Array>();
  for (const s of header.signals) {
    if (files.has(s.fileName)) continue;
    if (s.fileName.includes('/') || s.fileName.includes('\\') || s.fileName === '..' || s.fileName === '~') {
      // Data files live next to the header; refuse paths (and WFDB's "~" null file) rather than read elsewhere.
      throw new VigilError('VIGIL_WFDB_FORMAT_UNSUPPORTED', `signal file name "${s.fileName}" is not a plain file name`, { details: { file: s.fileName } });
    }
    files.set(s.fileName, await readWfdbFile(path.join(dir, s.fileName)));
  }
  return { header, files };
}

/** Read a whole record: header, decoded signals and checksum results. */
export async function readRecord(pathWithoutExt: string): Promise<WfdbRecord> {
  const src = await loadRecordSource(pathWithoutExt);
  const decoded = decodeSignals(new RecordDecoder(src.header, src.files));
  return { header: src.header, ...decoded, checksums: verifyChecksums(src.header, decoded) };
}

/**
 * Read `<pathWithoutExt>.<annotator>`. A damaged file throws ANNOTATION_INVALID with the
 * annotations read before the damage in `details.readCount`; use parseAnnotations() on the
 * bytes to keep the partial set.
 */
export async function readAnnotations(pathWithoutExt: string, annotator = 'atr'): Promise<AnnotationSet> {
  const file = `${pathWithoutExt}.${annotator}`;
  const r = parseAnnotations(await readWfdbFile(file));
  if (!r.ok) {
    throw new VigilError('VIGIL_WFDB_ANNOTATION_INVALID', `${file}: ${r.error.message}`, {
      cause: r.error,
      details: { file, readCount: r.annotations.length },
    });
  }
  return r.annotations;
}
