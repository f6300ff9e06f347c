package io.bigfile.engine;

/** Where a body's bytes go. */
enum WriteMode {
  /** At an offset the request names. */
  AT,
  /** At the end of the file. */
  APPEND,
  /** From offset 0, replacing the whole content. */
  REPLACE
}
