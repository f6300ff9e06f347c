package io.bigfile.file;

/**
 * A condition a write puts on the file as its snapshot sees it (HTTP If-Match,
 * If-Unmodified-Since). When present, the write also fails if any other commit changes the file
 * between its snapshot and its own commit.
 */
@FunctionalInterface
public interface Precondition {

  boolean test(FileInfo current);
}
