package io.bigfile.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bigfile.block.BlockWrite;
import io.bigfile.block.Change;
import io.bigfile.block.Changeset;
import io.bigfile.block.FileChange;
import io.bigfile.file.WriteFormat;
import io.bigfile.support.Stores;
import io.bigfile.support.TestDatabase;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The head revision kept in memory: a replica's own commits are visible to its next read at once,
 * another replica's arrive by notification (the periodic re-read is set to an hour here, so only
 * the notification can deliver them), and a watcher that cannot connect never answers from memory.
 */
class HeadWatcherIT {

  private static final Duration NEVER = Duration.ofHours(1);

  private final PostgresBlockStore one =
      Stores.newPostgres(Stores.listenSource(TestDatabase.get()), NEVER);
  private final PostgresBlockStore two =
      Stores.newPostgres(Stores.listenSource(TestDatabase.get()), NEVER);

  @AfterEach
  void close() {
    one.close();
    two.close();
  }

  private static long createFile(PostgresBlockStore store) throws Exception {
    long id = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    FileChange created =
        new FileChange(
            id,
            4096,
            "w",
            null,
            0,
            WriteFormat.WHOLE,
            false,
            EnumSet.of(Change.CREATED),
            Long.MAX_VALUE,
            false);
    return store
        .commit(
            new Changeset(
                store.headRevision(),
                List.<BlockWrite>of().iterator(),
                () -> List.of(created),
                false))
        .orElseThrow()
        .revision();
  }

  @Test
  void ownCommitsAreSeenAtOnceAndOtherReplicasCommitsByNotification() throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> one.watchingHead() && two.watchingHead());
    for (int i = 0; i < 5; i++) {
      long rev = createFile(one);
      assertThat(one.headRevision()).as("the committing replica").isGreaterThanOrEqualTo(rev);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(two.headRevision())
                      .as("the other replica")
                      .isGreaterThanOrEqualTo(rev));
      long back = createFile(two);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(one.headRevision()).isGreaterThanOrEqualTo(back));
    }
  }

  @Test
  void aWatcherThatCannotConnectLeavesEveryReadToTheDatabase() throws Exception {
    PGSimpleDataSource nowhere = new PGSimpleDataSource();
    nowhere.setUrl("jdbc:postgresql://127.0.0.1:1/none");
    nowhere.setConnectTimeout(1);
    try (PostgresBlockStore blind = Stores.newPostgres(nowhere, NEVER)) {
      assertThat(blind.watchingHead()).isFalse();
      long rev = createFile(one);
      assertThat(blind.headRevision()).isGreaterThanOrEqualTo(rev);
      long later = createFile(two);
      assertThat(blind.headRevision()).isGreaterThanOrEqualTo(later);
      assertThat(blind.watchingHead()).isFalse();
    }
  }
}
