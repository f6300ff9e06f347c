package io.bigfile.postgres;

import static io.bigfile.support.FileBytes.read;
import static io.bigfile.support.FileBytes.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.engine.Engine;
import io.bigfile.file.FileId;
import io.bigfile.file.FileUpdate;
import io.bigfile.file.NewFile;
import io.bigfile.file.RequestContext;
import io.bigfile.file.WriteFormat;
import io.bigfile.format.BlockFormat;
import io.bigfile.format.Overlays;
import io.bigfile.support.Stores;
import io.bigfile.support.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What each format costs in the database for a small change of a big block, measured in rows and
 * bytes.
 */
class FormatsIT {

  private static final int BS = 2 << 20;

  private final Engine engine = Stores.engine(Stores.postgres());

  /**
   * Chunk and overlay rows, and bytes of block, chunk and overlay data, stored for a file at one
   * revision.
   */
  private static long[] storedAt(FileId f, long rev) throws SQLException {
    TestDatabase.Coordinates db = TestDatabase.get();
    try (Connection c = DriverManager.getConnection(db.url(), db.username(), db.password());
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT (SELECT count(*) FROM chunk WHERE file_id = ? AND rev = ?)"
                    + " + (SELECT count(*) FROM overlay WHERE file_id = ? AND rev = ?),"
                    + " (SELECT coalesce(sum(length(data)), 0) FROM chunk WHERE file_id = ? AND rev = ?)"
                    + " + (SELECT coalesce(sum(length(data)), 0) FROM overlay"
                    + "     WHERE file_id = ? AND rev = ?)"
                    + " + (SELECT coalesce(sum(length(data)), 0) FROM block_version"
                    + "     WHERE file_id = ? AND rev = ?)")) {
      for (int i = 0; i < 5; i++) {
        ps.setLong(2 * i + 1, f.value());
        ps.setLong(2 * i + 2, rev);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2)};
      }
    }
  }

  private FileId fullBlock(WriteFormat format) {
    FileId f = engine.create(RequestContext.AUTOCOMMIT, new NewFile("fmt", BS, format)).id();
    byte[] data = new byte[BS];
    new Random(7).nextBytes(data);
    write(engine, RequestContext.AUTOCOMMIT, f, 0, data);
    return f;
  }

  private long oneByteChange(FileId f) {
    write(engine, RequestContext.AUTOCOMMIT, f, 1_000_000, new byte[] {42});
    return engine.headRevision();
  }

  @Test
  void aOneByteChangeOfAChunkedBlockAddsOneChunk() throws Exception {
    FileId f = fullBlock(WriteFormat.CHUNKED);
    long rev = oneByteChange(f);
    long[] added = storedAt(f, rev);
    assertThat(added[0]).isEqualTo(1);
    assertThat(added[1]).isEqualTo(4096);
    assertThat(readByte(f, 1_000_000)).isEqualTo((byte) 42);
  }

  @Test
  void aOneByteChangeOfAWholeBlockRewritesTheBlock() throws Exception {
    FileId f = fullBlock(WriteFormat.WHOLE);
    long rev = oneByteChange(f);
    assertThat(storedAt(f, rev)[1]).isEqualTo(BS);
  }

  @Test
  void autoStoresAOneByteChangeOfAWholeBlockAsOneChunkOverIt() throws Exception {
    FileId f = fullBlock(WriteFormat.AUTO);
    long base = engine.headRevision();
    assertThat(storedAt(f, base)).as("a full new block").containsExactly(0, BS);
    // the first small change of a whole block stores only the changed chunk, over the block
    long first = oneByteChange(f);
    assertThat(storedAt(f, first)).containsExactly(1, 4096);
    assertThat(version(f, first)).containsExactly(BlockFormat.OVERLAY.id(), base, 1);
    write(engine, RequestContext.AUTOCOMMIT, f, 7, new byte[] {43});
    long second = engine.headRevision();
    assertThat(storedAt(f, second)).containsExactly(1, 4096);
    assertThat(version(f, second)).containsExactly(BlockFormat.OVERLAY.id(), base, 2);
    assertThat(readByte(f, 1_000_000)).isEqualTo((byte) 42);
    assertThat(readByte(f, 7)).isEqualTo((byte) 43);
    assertThat(read(engine, new RequestContext.AtRevision(first), f, 7, 1)[0])
        .as("the first layer's version, read from the same base")
        .isNotEqualTo((byte) 43);
    byte[] data = new byte[BS];
    new Random(8).nextBytes(data);
    write(engine, RequestContext.AUTOCOMMIT, f, 0, data);
    assertThat(storedAt(f, engine.headRevision())).containsExactly(0, BS);
    // switching the write format is an ordinary change for readers
    engine.update(
        RequestContext.AUTOCOMMIT, f, new FileUpdate(null, WriteFormat.CHUNKED, null), null);
    write(engine, RequestContext.AUTOCOMMIT, f, 5, new byte[] {1});
    assertThat(readByte(f, 5)).isEqualTo((byte) 1);
    assertThat(readByte(f, 6)).isEqualTo(data[6]);
  }

  @Test
  void aWriteCompactsAnOverlayThatHasItsMostLayers() throws Exception {
    int bs = 64 * 1024;
    int max = Overlays.maxLayers(bs);
    FileId f =
        engine.create(RequestContext.AUTOCOMMIT, new NewFile("layers", bs, WriteFormat.AUTO)).id();
    byte[] data = new byte[bs];
    new Random(3).nextBytes(data);
    write(engine, RequestContext.AUTOCOMMIT, f, 0, data);
    for (int i = 1; i <= max; i++) {
      write(engine, RequestContext.AUTOCOMMIT, f, i * 4096L, new byte[] {(byte) i});
      assertThat(version(f, engine.headRevision())[2]).isEqualTo(i);
      data[i * 4096] = (byte) i;
    }
    write(engine, RequestContext.AUTOCOMMIT, f, 3, new byte[] {9});
    data[3] = 9;
    assertThat(version(f, engine.headRevision())[0])
        .as("the change after the last layer stores the block whole")
        .isEqualTo(BlockFormat.WHOLE.id());
    assertThat(read(engine, RequestContext.AUTOCOMMIT, f, 0, bs)).isEqualTo(data);
  }

  @Test
  void packKeepsTheBaseWhileALayerNeedsItThenRewritesTheOverlayWhole() throws Exception {
    PostgresBlockStore store = Stores.postgres();
    FileId f = fullBlock(WriteFormat.AUTO);
    long base = engine.headRevision();
    long first = oneByteChange(f);
    write(engine, RequestContext.AUTOCOMMIT, f, 7, new byte[] {43});
    long second = engine.headRevision();
    byte[] atFirst = read(engine, new RequestContext.AtRevision(first), f, 0, BS);
    byte[] atSecond = read(engine, RequestContext.AUTOCOMMIT, f, 0, BS);

    store.retainFrom(first);
    store.pack(first);
    assertThat(revisions(f))
        .as("the base stays for both layers")
        .containsExactly(base, first, second);
    engine.clearCaches();
    assertThat(read(engine, new RequestContext.AtRevision(first), f, 0, BS)).isEqualTo(atFirst);

    store.retainFrom(second);
    store.pack(second);
    assertThat(revisions(f)).containsExactly(second);
    assertThat(version(f, second)).containsExactly(BlockFormat.WHOLE.id(), 0, 0);
    assertThat(count("SELECT count(*) FROM overlay WHERE file_id = ?", f)).isZero();
    engine.clearCaches();
    assertThat(read(engine, RequestContext.AUTOCOMMIT, f, 0, BS)).isEqualTo(atSecond);
  }

  @Test
  void aLayerEncodedOverAVersionThatPackRewroteWholeIsRebasedOnItAtCommit() throws Exception {
    PostgresBlockStore store = Stores.postgres();
    FileId f = fullBlock(WriteFormat.AUTO);
    long first = oneByteChange(f);
    String t = engine.begin().id();
    write(engine, new RequestContext.InTransaction(t), f, 7, new byte[] {43});
    byte[] expected = read(engine, new RequestContext.InTransaction(t), f, 0, BS);
    // the transaction saw layer 1; pack rewrites that version whole before the commit
    store.retainFrom(first);
    store.pack(first);
    assertThat(version(f, first)[0]).isEqualTo(BlockFormat.WHOLE.id());
    engine.commit(t);
    long rev = engine.headRevision();
    assertThat(version(f, rev)).containsExactly(BlockFormat.OVERLAY.id(), first, 1);
    assertThat(storedAt(f, rev)).containsExactly(1, 4096);
    engine.clearCaches();
    assertThat(read(engine, RequestContext.AUTOCOMMIT, f, 0, BS)).isEqualTo(expected);
  }

  /** format, base_rev (0 if none) and layer (0 if none) of one block version of block 0. */
  private static long[] version(FileId f, long rev) throws SQLException {
    TestDatabase.Coordinates db = TestDatabase.get();
    try (Connection c = DriverManager.getConnection(db.url(), db.username(), db.password());
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT format, coalesce(base_rev, 0), coalesce(layer, 0) FROM block_version"
                    + " WHERE file_id = ? AND blk = 0 AND rev = ?")) {
      ps.setLong(1, f.value());
      ps.setLong(2, rev);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).as("version " + rev).isTrue();
        return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
      }
    }
  }

  /** The revisions of the stored versions of block 0, ascending. */
  private static java.util.List<Long> revisions(FileId f) throws SQLException {
    TestDatabase.Coordinates db = TestDatabase.get();
    try (Connection c = DriverManager.getConnection(db.url(), db.username(), db.password());
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT rev FROM block_version WHERE file_id = ? AND blk = 0 ORDER BY rev")) {
      ps.setLong(1, f.value());
      java.util.List<Long> out = new java.util.ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getLong(1));
        }
      }
      return out;
    }
  }

  private static long count(String sql, FileId f) throws SQLException {
    TestDatabase.Coordinates db = TestDatabase.get();
    try (Connection c = DriverManager.getConnection(db.url(), db.username(), db.password());
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, f.value());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private byte readByte(FileId f, long offset) {
    return read(engine, RequestContext.AUTOCOMMIT, f, offset, 1)[0];
  }
}
