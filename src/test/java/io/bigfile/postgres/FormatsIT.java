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

  /** Bytes of block and chunk data stored for a file at one revision. */
  private static long[] storedAt(FileId f, long rev) throws SQLException {
    TestDatabase.Coordinates db = TestDatabase.get();
    try (Connection c = DriverManager.getConnection(db.url(), db.username(), db.password());
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT (SELECT count(*) FROM chunk WHERE file_id = ? AND rev = ?),"
                    + " (SELECT coalesce(sum(length(data)), 0) FROM chunk WHERE file_id = ? AND rev = ?)"
                    + " + (SELECT coalesce(sum(length(data)), 0) FROM block_version"
                    + "     WHERE file_id = ? AND rev = ?)")) {
      for (int i = 0; i < 3; i++) {
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
  void autoStoresSmallChangesChunkedAndABigRewriteWhole() throws Exception {
    FileId f = fullBlock(WriteFormat.AUTO);
    assertThat(storedAt(f, engine.headRevision())).as("a full new block").containsExactly(0, BS);
    // the first small change of a whole block starts a chunk run (every chunk once), later ones add
    // one chunk
    assertThat(storedAt(f, oneByteChange(f))[0]).isEqualTo(BS / 4096);
    write(engine, RequestContext.AUTOCOMMIT, f, 7, new byte[] {43});
    assertThat(storedAt(f, engine.headRevision())).containsExactly(1, 4096);
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

  private byte readByte(FileId f, long offset) {
    return read(engine, RequestContext.AUTOCOMMIT, f, offset, 1)[0];
  }
}
