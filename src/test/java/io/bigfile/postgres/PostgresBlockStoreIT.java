package io.bigfile.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.block.BlockStore;
import io.bigfile.block.BlockStoreContract;
import io.bigfile.block.BlockWrite;
import io.bigfile.block.Change;
import io.bigfile.block.Changeset;
import io.bigfile.block.FileChange;
import io.bigfile.file.WriteFormat;
import io.bigfile.format.EncodedBlock;
import io.bigfile.support.Stores;
import io.bigfile.support.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class PostgresBlockStoreIT extends BlockStoreContract {

  @Override
  protected BlockStore createStore() {
    return Stores.postgres();
  }

  private static long placeholdersTaken() throws Exception {
    TestDatabase.Coordinates db = TestDatabase.get();
    try (Connection c = DriverManager.getConnection(db.url(), db.username(), db.password());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM placeholder_seq")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * A small changeset held in memory is written at its revision directly (no placeholder, no
   * re-stamping); a streamed one, or a large one, goes through a placeholder. Both read back the
   * same.
   */
  @Test
  void smallInMemoryCommitsSkipThePlaceholder() throws Exception {
    long id = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    FileChange created =
        new FileChange(
            id,
            BS,
            "direct",
            null,
            BS,
            WriteFormat.WHOLE,
            false,
            EnumSet.of(Change.CREATED, Change.BLOCKS, Change.SIZE),
            Long.MAX_VALUE,
            false);
    byte[] page = new byte[BS];
    page[7] = 7;
    List<BlockWrite> blocks = List.of(new BlockWrite(id, 0, new EncodedBlock.Whole(page, 8), 0));
    long before = placeholdersTaken();
    long rev =
        store
            .commit(
                new Changeset(
                    store.headRevision(), blocks.iterator(), () -> List.of(created), false, BS))
            .orElseThrow()
            .revision();
    assertThat(placeholdersTaken())
        .as("no placeholder for a small in-memory commit")
        .isEqualTo(before);
    assertThat(store.load(id, BS, store.blocks(id, rev, 0, 1).get(0)).byteAt(7))
        .isEqualTo((byte) 7);

    page[7] = 8;
    FileChange wrote =
        new FileChange(
            id,
            BS,
            null,
            null,
            BS,
            WriteFormat.WHOLE,
            false,
            EnumSet.of(Change.BLOCKS),
            Long.MAX_VALUE,
            false);
    long rev2 =
        store
            .commit(new Changeset(rev, blocks.iterator(), () -> List.of(wrote), false))
            .orElseThrow()
            .revision();
    assertThat(placeholdersTaken())
        .as("a streamed commit takes a placeholder")
        .isGreaterThan(before);
    assertThat(store.load(id, BS, store.blocks(id, rev2, 0, 1).get(0)).byteAt(7))
        .isEqualTo((byte) 8);
    assertThat(store.file(id, rev2).orElseThrow().name())
        .as("unchanged name kept")
        .isEqualTo("direct");
  }
}
