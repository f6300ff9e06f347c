package io.bigfile.web;

/** A resolved byte range of a representation: {@code length} bytes from {@code offset}. */
record ByteRange(long offset, long length) {

  ByteRange {
    if (offset < 0 || length < 1) {
      throw new IllegalArgumentException("invalid range " + offset + "+" + length);
    }
  }

  long last() {
    return offset + length - 1;
  }

  /** {@code Content-Range} value, RFC 9110 section 14.4. */
  String contentRange(long size) {
    return "bytes " + offset + "-" + last() + "/" + size;
  }
}
