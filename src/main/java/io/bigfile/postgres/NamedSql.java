package io.bigfile.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A statement written with named parameters ({@code rev > :from AND rev <= :horizon}), sent to the
 * database as the same text with a {@code ?} in place of each name and bound by name, so a
 * statement's parameters cannot be miscounted. A {@code ::} cast is left alone; a name must not
 * appear inside a string literal or a comment (this is not a SQL parser). Immutable and
 * thread-safe; asking for the values without one for every name throws {@link
 * IllegalArgumentException}, before anything is bound or sent.
 *
 * @param sql the text sent, with {@code ?} placeholders
 * @param names the parameter names, in the order of the placeholders
 */
record NamedSql(String sql, List<String> names) {

  NamedSql {
    names = List.copyOf(names);
  }

  /** Parses {@code text}: every {@code :name} becomes {@code ?}. */
  static NamedSql of(String text) {
    StringBuilder sql = new StringBuilder(text.length());
    List<String> names = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      char ch = text.charAt(i);
      if (ch == ':' && i + 1 < text.length() && text.charAt(i + 1) == ':') {
        sql.append("::");
        i += 2;
      } else if (ch == ':'
          && i + 1 < text.length()
          && Character.isJavaIdentifierStart(text.charAt(i + 1))) {
        int end = i + 1;
        while (end < text.length() && Character.isJavaIdentifierPart(text.charAt(end))) {
          end++;
        }
        names.add(text.substring(i + 1, end));
        sql.append('?');
        i = end;
      } else {
        sql.append(ch);
        i++;
      }
    }
    return new NamedSql(sql.toString(), names);
  }

  /** The value of each placeholder, in order, for {@link Jdbc#bind}. */
  long[] values(Map<String, Long> byName) {
    long[] out = new long[names.size()];
    for (int n = 0; n < out.length; n++) {
      Long v = byName.get(names.get(n));
      if (v == null) {
        throw new IllegalArgumentException("no value for :" + names.get(n) + " in " + sql);
      }
      out[n] = v;
    }
    return out;
  }
}
