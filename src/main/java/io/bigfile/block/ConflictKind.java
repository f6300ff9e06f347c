package io.bigfile.block;

/**
 * What one file's change has in conflict with commits after its snapshot (first committer wins).
 * Each kind has a permanent wire name: clients read it in the body of an HTTP 409, so it never
 * changes.
 */
public enum ConflictKind {
  /**
   * Both wrote one block, or a later commit wrote a block that this commit's truncation cuts off.
   */
  BLOCKS("blocks"),
  /**
   * This commit required the file unchanged since its snapshot (a precondition checked there) and a
   * later commit changed it, in any way.
   */
  MODIFIED("modified"),
  /** One of the two deleted the file; nothing else is compared then. */
  EXISTENCE("existence"),
  /** Both renamed the file. */
  NAME("name"),
  /** Both changed the file's write format. */
  FORMAT("format"),
  /** Both changed the size, or a later shrink cut off a block this commit writes. */
  SIZE("size"),
  /** Both changed the file's media type. */
  CONTENT_TYPE("contentType");

  private final String wireName;

  ConflictKind(String wireName) {
    this.wireName = wireName;
  }

  /** The name clients see ({@code "blocks"}, {@code "modified"}, ...). */
  public String wireName() {
    return wireName;
  }
}
