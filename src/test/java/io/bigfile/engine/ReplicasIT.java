package io.bigfile.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.file.FileContent;
import io.bigfile.file.FileId;
import io.bigfile.file.FileUpdate;
import io.bigfile.file.NewFile;
import io.bigfile.file.RequestContext;
import io.bigfile.file.WriteFormat;
import io.bigfile.support.Stores;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Two service instances over one database, each with its own page cache: every change one commits
 * (hole to data, data to zeros, a format switch, a truncation) is seen by the other's next reader,
 * with warm caches on both sides.
 */
class ReplicasIT {

  private static final int BS = 16384;

  private final Engine one = Stores.engine(Stores.postgres());
  private final Engine two = Stores.engine(Stores.postgres());

  private static byte[] read(Engine e, FileId f) {
    try (FileContent c = e.open(RequestContext.AUTOCOMMIT, f)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      c.copyTo(0, c.info().size(), out);
      return out.toByteArray();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  private static void write(Engine e, FileId f, long off, byte[] data) {
    e.write(
        RequestContext.AUTOCOMMIT, f, off, data.length, new ByteArrayInputStream(data), null, null);
  }

  private static byte[] fill(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }

  @Test
  void everyChangeOnOneReplicaIsSeenByTheOther() {
    FileId f = one.create(RequestContext.AUTOCOMMIT, new NewFile("r", BS, WriteFormat.WHOLE)).id();
    // hole to data
    assertThat(read(two, f)).isEmpty();
    write(one, f, BS, fill(100, 1));
    assertThat(read(two, f)).hasSize(BS + 100);
    assertThat(read(two, f)[BS]).isEqualTo((byte) 1);
    // warm both caches, then data to zeros
    read(one, f);
    write(one, f, BS, fill(100, 0));
    assertThat(read(two, f)).containsOnly(0);
    // a format switch, then a small change stored chunked
    write(two, f, BS, fill(BS, 3));
    assertThat(read(one, f)[BS + 5]).isEqualTo((byte) 3);
    one.update(RequestContext.AUTOCOMMIT, f, new FileUpdate(null, WriteFormat.CHUNKED, null), null);
    write(one, f, BS + 5, fill(1, 4));
    byte[] seen = read(two, f);
    assertThat(seen[BS + 5]).isEqualTo((byte) 4);
    assertThat(seen[BS + 6]).isEqualTo((byte) 3);
    // truncation and extension through the other replica
    two.update(RequestContext.AUTOCOMMIT, f, new FileUpdate((long) BS + 2, null, null), null);
    two.update(RequestContext.AUTOCOMMIT, f, new FileUpdate(2L * BS, null, null), null);
    byte[] after = read(one, f);
    assertThat(after).hasSize(2 * BS);
    assertThat(Arrays.copyOfRange(after, BS + 2, 2 * BS)).containsOnly(0);
    assertThat(after[BS + 1]).isEqualTo((byte) 3);
    // a transaction on one replica, committed, is seen by a transaction begun later on the other
    String t = one.begin().id();
    one.write(
        new RequestContext.InTransaction(t),
        f,
        0,
        3,
        new ByteArrayInputStream(fill(3, 9)),
        null,
        null);
    one.commit(t);
    String u = two.begin().id();
    try (FileContent c = two.open(new RequestContext.InTransaction(u), f)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      c.copyTo(0, 3, out);
      assertThat(out.toByteArray()).containsOnly(9);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    two.abort(u);
  }
}
