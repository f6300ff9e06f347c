package io.bigfile.block;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The kinds of change one revision makes to a file; stored as a bit set. */
public enum Change {
  SIZE(1),
  NAME(2),
  FORMAT(4),
  BLOCKS(8),
  CREATED(16),
  DELETED(32);

  private final int bit;

  Change(int bit) {
    this.bit = bit;
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
    return of(mask).stream().map(c -> c.name().toLowerCase(java.util.Locale.ROOT)).toList();
  }
}
