package io.bigfile.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.file.StorageRejectedException;
import io.bigfile.postgres.Standbys.Fallback;
import io.bigfile.postgres.Standbys.Standby;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which server a read at a revision runs on: the rule over the standbys' replayed heads, and what
 * {@link Standbys#at} does with a standby's failures. The servers are stand-ins that say which one
 * a connection came from and what head row they hold; the real servers are {@code
 * StandbyReadsIT}'s.
 */
class StandbysTests {

  /** A server stand-in: connections say where they came from; its head row is {@link #head}. */
  private static final class Server {
    final String name;
    final AtomicLong head = new AtomicLong();
    volatile boolean down;

    Server(String name, long head) {
      this.name = name;
      this.head.set(head);
    }

    DataSource dataSource(List<String> log) {
      return proxy(
          DataSource.class,
          (m, args) -> {
            if (!m.equals("getConnection")) {
              return null;
            }
            if (down) {
              throw new SQLException("connection refused", "08001");
            }
            log.add(name);
            return proxy(
                Connection.class,
                (cm, ca) ->
                    switch (cm) {
                      case "createStatement" ->
                          proxy(
                              Statement.class,
                              (sm, sa) ->
                                  switch (sm) {
                                    case "executeQuery" -> {
                                      if (down) {
                                        throw new SQLException("connection lost", "08006");
                                      }
                                      yield proxy(
                                          ResultSet.class,
                                          (rm, ra) ->
                                              switch (rm) {
                                                case "next" -> true;
                                                case "getLong" -> head.get();
                                                default -> null;
                                              });
                                    }
                                    default -> null;
                                  });
                      case "isClosed" -> false;
                      default -> null;
                    });
          });
    }
  }

  @FunctionalInterface
  private interface Answer {
    Object answer(String method, Object[] args) throws Exception;
  }

  private static <T> T proxy(Class<T> type, Answer answer) {
    return type.cast(
        Proxy.newProxyInstance(
            StandbysTests.class.getClassLoader(),
            new Class<?>[] {type},
            (p, m, args) -> answer.answer(m.getName(), args)));
  }

  private final List<String> log = new ArrayList<>();
  private final List<Standbys> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(Standbys::close);
  }

  private Standbys standbys(Server... servers) {
    List<Standby> list = new ArrayList<>();
    for (Server s : servers) {
      list.add(new Standby(s.name, s.dataSource(log), s.dataSource(new ArrayList<>())));
    }
    Standbys standbys = new Standbys(new Server("primary", 0).dataSource(log), list, Duration.ZERO);
    opened.add(standbys);
    standbys.pollAll();
    return standbys;
  }

  /** The server a read at {@code revision} ran on. */
  private String serverOf(Standbys standbys, long revision) {
    return standbys.at(revision, connect(standbys));
  }

  private Supplier<String> connect(Standbys standbys) {
    return () -> {
      try (Connection c = standbys.reads().getConnection()) {
        assertThat(c).isNotNull();
        return log.get(log.size() - 1);
      } catch (SQLException e) {
        throw DatabaseErrors.translate("reading", e);
      }
    };
  }

  @Test
  void aReadRunsOnAStandbyThatHasReplayedItsRevisionElseOnThePrimary() {
    Server a = new Server("a", 5);
    Server b = new Server("b", 9);
    Standbys standbys = standbys(a, b);

    for (int i = 0; i < 4; i++) {
      assertThat(serverOf(standbys, 7)).as("only b has replayed 7").isEqualTo("b");
      assertThat(serverOf(standbys, 9)).as("the head b has replayed").isEqualTo("b");
    }
    List<String> atFive = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      atFive.add(serverOf(standbys, 5));
    }
    assertThat(atFive).as("both have replayed 5: reads spread over them").contains("a", "b");
    assertThat(standbys.fallbacks(Fallback.BEHIND)).isZero();

    assertThat(serverOf(standbys, 10)).as("none has replayed 10").isEqualTo("primary");
    assertThat(standbys.fallbacks(Fallback.BEHIND)).isEqualTo(1);

    // b replays further; the next poll learns it
    b.head.set(12);
    assertThat(serverOf(standbys, 10)).as("until the next poll").isEqualTo("primary");
    standbys.pollAll();
    assertThat(serverOf(standbys, 10)).isEqualTo("b");
    long onA = atFive.stream().filter("a"::equals).count();
    assertThat(standbys.all())
        .extracting(Standby::served)
        .as("reads served by a and by b")
        .containsExactly(onA, 8 + (4 - onA) + 1);
  }

  @Test
  void aStandbyThatDoesNotAnswerIsSkippedUntilItAnswersAPollAgain() {
    Server a = new Server("a", 9);
    Standbys standbys = standbys(a);
    assertThat(serverOf(standbys, 3)).isEqualTo("a");

    // the standby stops: the read that finds out runs again on the primary
    a.down = true;
    assertThat(serverOf(standbys, 3)).isEqualTo("primary");
    assertThat(standbys.fallbacks(Fallback.UNAVAILABLE)).isEqualTo(1);
    assertThat(standbys.all().get(0).problem()).contains("connection refused");
    // the next reads do not try it
    assertThat(serverOf(standbys, 3)).isEqualTo("primary");
    assertThat(standbys.fallbacks(Fallback.UNAVAILABLE)).isEqualTo(2);
    standbys.pollAll();
    assertThat(serverOf(standbys, 3)).isEqualTo("primary");

    a.down = false;
    standbys.pollAll();
    assertThat(standbys.all().get(0).problem()).isNull();
    assertThat(serverOf(standbys, 3)).isEqualTo("a");
    assertThat(standbys.fallbacks(Fallback.BEHIND)).isZero();
  }

  @Test
  void aReadCancelledByRecoveryRunsAgainOnThePrimaryAndTheStandbyKeepsServing() {
    Standbys standbys = standbys(new Server("a", 9));
    List<String> tried = new ArrayList<>();
    String answer =
        standbys.at(
            4,
            () -> {
              String server = connect(standbys).get();
              tried.add(server);
              if (server.equals("a")) {
                throw DatabaseErrors.translate(
                    "reading",
                    new SQLException("canceling statement due to conflict with recovery", "40001"));
              }
              return server;
            });
    assertThat(tried).containsExactly("a", "primary");
    assertThat(answer).isEqualTo("primary");
    assertThat(standbys.fallbacks(Fallback.CONFLICT)).isEqualTo(1);
    assertThat(standbys.all().get(0).problem()).as("a conflict is no outage").isNull();
    assertThat(serverOf(standbys, 4)).isEqualTo("a");
  }

  @Test
  void aFailureThatARetryCannotMendIsNotRetried() {
    Standbys standbys = standbys(new Server("a", 9));
    List<String> tried = new ArrayList<>();
    assertThatThrownBy(
            () ->
                standbys.at(
                    4,
                    () -> {
                      tried.add(connect(standbys).get());
                      throw DatabaseErrors.translate(
                          "reading", new SQLException("invalid input", "22P02"));
                    }))
        .isInstanceOf(StorageRejectedException.class);
    assertThat(tried).containsExactly("a");
  }

  @Test
  void withoutStandbysEveryReadRunsOnThePrimaryUncounted() {
    Standbys standbys = standbys();
    assertThat(serverOf(standbys, 0)).isEqualTo("primary");
    assertThat(serverOf(standbys, 1_000)).isEqualTo("primary");
    for (Fallback f : Fallback.values()) {
      assertThat(standbys.fallbacks(f)).isZero();
    }
  }
}
