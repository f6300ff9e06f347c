package io.bigfile.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NamedSqlTests {

  @Test
  void namesBecomePlaceholdersInTheOrderTheyStand() {
    NamedSql s =
        NamedSql.of(
            """
            DELETE FROM chunk c USING chunk n
             WHERE n.rev > :from AND n.rev <= :horizon AND c.rev < n.rev
            """);
    assertThat(s.sql())
        .isEqualTo(
            """
            DELETE FROM chunk c USING chunk n
             WHERE n.rev > ? AND n.rev <= ? AND c.rev < n.rev
            """);
    assertThat(s.names()).containsExactly("from", "horizon");
    assertThat(s.values(Map.of("horizon", 9L, "from", 4L))).containsExactly(4L, 9L);
  }

  @Test
  void aNameUsedTwiceIsBoundTwiceAndCastsAreLeftAlone() {
    NamedSql s = NamedSql.of("SELECT :rev::bigint, x FROM t WHERE a = :rev AND b = :other_1");
    assertThat(s.sql()).isEqualTo("SELECT ?::bigint, x FROM t WHERE a = ? AND b = ?");
    assertThat(s.values(Map.of("rev", 7L, "other_1", 1L))).containsExactly(7L, 7L, 1L);
  }

  @Test
  void aMissingValueIsRefused() {
    NamedSql s = NamedSql.of("SELECT 1 WHERE :a < :b");
    assertThatThrownBy(() -> s.values(Map.of("a", 1L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(":b");
  }
}
