/**
 * Where a command writes. Commands take this instead of touching process.stdout, so tests can run them
 * in-process and read exactly what a person would see.
 */

/** Something text can be written to (process.stdout, a test buffer). */
export interface TextSink {
  write(text: string): unknown;
  /** True for a terminal: enables colour. */
  isTTY?: boolean;
}

/** A command's standard output and standard error. */
export interface CommandIo {
  out: TextSink;
  err: TextSink;
}

/** The process's own streams. */
export const processIo: CommandIo = { out: process.stdout, err: process.stderr };
