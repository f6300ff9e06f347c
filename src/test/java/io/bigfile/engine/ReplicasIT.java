package io.bigfile.engine;

import static io.bigfile.support.FileBytes.filled;
import static io.bigfile.support.FileBytes.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.file.FileId;
import io.bigfile.file.FileUpdate;
import io.bigfile.file.NewFile;
import io.bigfile.file.RequestContext;
import io.bigfile.file.WriteFormat;
import io.bigfile.support.FileBytes;
import io.bigfile.support.Stores;
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
    return readAll(e, RequestContext.AUTOCOMMIT, f);
  }

  private static void write(Engine e, FileId f, long off, byte[] data) {
    FileBytes.write(e, RequestContext.AUTOCOMMIT, f, off, data);
  }

  @Test
  void everyChangeOnOneReplicaIsSeenByTheOther() {
    FileId f = one.create(RequestContext.AUTOCOMMIT, new NewFile("r", BS, WriteFormat.WHOLE)).id();
    // hole to data
    assertThat(read(two, f)).isEmpty();
    write(one, f, BS, filled(100, 1));
    assertThat(read(two, f)).hasSize(BS + 100);
    assertThat(read(two, f)[BS]).isEqualTo((byte) 1);
    // warm both caches, then data to zeros
    read(one, f);
    write(one, f, BS, filled(100, 0));
    assertThat(read(two, f)).containsOnly(0);
    // a format switch, then a small change stored chunked
    write(two, f, BS, filled(BS, 3));
    assertThat(read(one, f)[BS + 5]).isEqualTo((byte) 3);
    one.update(RequestContext.AUTOCOMMIT, f, new FileUpdate(null, WriteFormat.CHUNKED, null), null);
    write(one, f, BS + 5, filled(1, 4));
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
    FileBytes.write(one, new RequestContext.InTransaction(t), f, 0, filled(3, 9));
    one.commit(t);
    String u = two.begin().id();
    assertThat(FileBytes.read(two, new RequestContext.InTransaction(u), f, 0, 3)).containsOnly(9);
    two.abort(u);
  }
}
