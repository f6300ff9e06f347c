package io.bigfile.block;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The kinds of change one revision makes to a file; stored as a bit set ({@code
 * file_version.changes}), so a kind's bit never changes. Each kind has a permanent wire name too:
 * clients read it in the revisions listing.
 */
public enum Change {
  SIZE(1, "size"),
  NAME(2, "name"),
  FORMAT(4, "format"),
  BLOCKS(8, "blocks"),
  CREATED(16, "created"),
  DELETED(32, "deleted"),
  CONTENT_TYPE(64, "contentType");

  private final int bit;
  private final String wireName;

  Change(int bit, String wireName) {
    this.bit = bit;
    this.wireName = wireName;
  }

  /** The name clients see ({@code "size"}, {@code "contentType"}, ...). */
  public String wireName() {
    return wireName;
  }

  public static int mask(Set<Change> changes) {
    int m = 0;
    for (Change c : changes) {
      m |= c.bit;
    }
    return m;
  }

  public static Set<Change> of(int mask) {
    Set<Change> s = EnumSet.noneOf(Change.class);
    for (Change c : values()) {
      if ((mask & c.bit) != 0) {
        s.add(c);
      }
    }
    return s;
  }

  public static List<String> names(int mask) {
    return of(mask).stream().map(Change::wireName).toList();
  }
}
