package io.bigfile.file;

import java.util.List;
import java.util.stream.Collectors;

/**
 * First committer wins: something this transaction changed was changed by a commit after its
 * snapshot. The transaction has been aborted.
 */
public final class TransactionConflictException extends BigFileException {

  /**
   * One file in conflict.
   *
   * @param what the kinds of change in conflict ("blocks", "size", "name", "format", "contentType",
   *     "existence", "modified")
   * @param blocks the conflicting block numbers (at most a bounded sample when there are many)
   */
  public record Conflict(FileId file, List<String> what, List<Long> blocks) {}

  private final List<Conflict> conflicts;

  public TransactionConflictException(List<Conflict> conflicts) {
    super(describe(conflicts));
    this.conflicts = List.copyOf(conflicts);
  }

  public List<Conflict> conflicts() {
    return conflicts;
  }

  private static String describe(List<Conflict> conflicts) {
    return "changed by a later commit: "
        + conflicts.stream()
            .map(
                c ->
                    "file "
                        + c.file()
                        + " ("
                        + String.join(", ", c.what())
                        + (c.blocks().isEmpty() ? "" : " " + c.blocks())
                        + ")")
            .collect(Collectors.joining("; "))
        + "; the transaction was aborted";
  }
}
