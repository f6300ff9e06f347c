package io.bigfile.block;

import java.util.List;

/** The store refused a commit because of conflicts; nothing was written. */
public final class ConflictException extends Exception {

  private final transient List<StoredConflict> conflicts;

  public ConflictException(List<StoredConflict> conflicts) {
    super("conflict", null, false, false);
    this.conflicts = List.copyOf(conflicts);
  }

  public List<StoredConflict> conflicts() {
    return conflicts;
  }
}
