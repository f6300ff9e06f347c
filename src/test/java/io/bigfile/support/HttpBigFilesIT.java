package io.bigfile.support;

import static io.bigfile.support.FileBytes.filled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.file.FileContent;
import io.bigfile.file.FileId;
import io.bigfile.file.FileInfo;
import io.bigfile.file.FileUpdate;
import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.NewFile;
import io.bigfile.file.PreconditionFailedException;
import io.bigfile.file.RequestContext;
import io.bigfile.file.TransactionConflictException;
import io.bigfile.file.TransactionNotOpenException;
import io.bigfile.file.TransactionState;
import io.bigfile.file.UnknownFileException;
import io.bigfile.file.UnknownTransactionException;
import io.bigfile.file.WriteFormat;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpBigFiles} against a running service: what it returns and throws is what the engine
 * returns and throws for the same calls, so that tests written against the engine's API can drive
 * services over HTTP unchanged.
 */
class HttpBigFilesIT extends ServiceTestBase {

  private static final int BS = 4096;
  private HttpBigFiles files;

  @BeforeEach
  void client() {
    files = new HttpBigFiles(List.of(this), HttpBigFiles.Routing.roundRobin());
  }

  private FileId newFile() {
    return files.create(RequestContext.AUTOCOMMIT, new NewFile("h", BS, WriteFormat.WHOLE)).id();
  }

  @Test
  void writesAndReadsComeBackAsTheEngineDescribesThem() {
    FileId f = newFile();
    FileInfo written = FileBytes.write(files, RequestContext.AUTOCOMMIT, f, 10, filled(5, 7));
    assertThat(written.size()).isEqualTo(15);
    assertThat(written.blockSize()).isEqualTo(BS);
    assertThat(written.format()).isEqualTo(WriteFormat.WHOLE);
    // an autocommit write answers the revision it created, which is the head
    assertThat(written.revision()).isEqualTo(written.asOf());
    assertThat(files.headRevision()).isEqualTo(written.asOf());
    files.append(RequestContext.AUTOCOMMIT, f, -1, new ByteArrayInputStream(filled(3, 9)), null);
    try (FileContent c = files.open(RequestContext.AUTOCOMMIT, f)) {
      assertThat(c.info().size()).isEqualTo(18);
      assertThat(FileBytes.copy(c, 9, 9)).containsExactly(0, 7, 7, 7, 7, 7, 9, 9, 9);
    }
    FileInfo resized =
        files.update(RequestContext.AUTOCOMMIT, f, new FileUpdate(12L, null, null), null);
    assertThat(resized.size()).isEqualTo(12);
    // the revision of the write can still be read, as it was
    assertThat(FileBytes.readAll(files, new RequestContext.AtRevision(written.asOf()), f))
        .hasSize(15);
  }

  @Test
  void aCommitConflictNamesTheFileAndBlock() {
    FileId f = newFile();
    String t = files.begin().id();
    FileBytes.write(files, new RequestContext.InTransaction(t), f, BS + 1, filled(2, 1));
    FileBytes.write(files, RequestContext.AUTOCOMMIT, f, BS + 100, filled(2, 2));
    assertThatThrownBy(() -> files.commit(t))
        .isInstanceOfSatisfying(
            TransactionConflictException.class,
            e -> {
              assertThat(e.conflicts()).hasSize(1);
              assertThat(e.conflicts().get(0).file()).isEqualTo(f);
              assertThat(e.conflicts().get(0).blocks()).containsExactly(1L);
            });
    assertThat(files.transaction(t).state()).isEqualTo(TransactionState.ABORTED);
  }

  @Test
  void aFinishedTransactionIsNotOpenAndAnUnknownOneIsUnknown() {
    FileId f = newFile();
    String t = files.begin().id();
    FileBytes.write(files, new RequestContext.InTransaction(t), f, 0, filled(4, 3));
    var committed = files.commit(t);
    assertThat(committed.state()).isEqualTo(TransactionState.COMMITTED);
    assertThat(committed.revision()).isEqualTo(files.headRevision());
    assertThatThrownBy(() -> files.commit(t))
        .isInstanceOfSatisfying(
            TransactionNotOpenException.class,
            e -> assertThat(e.state()).isEqualTo(TransactionState.COMMITTED));
    assertThatThrownBy(
            () -> FileBytes.write(files, new RequestContext.InTransaction(t), f, 0, filled(1, 1)))
        .isInstanceOf(TransactionNotOpenException.class);
    assertThatThrownBy(() -> files.abort("0123456789abcdef0123456789abcdef"))
        .isInstanceOf(UnknownTransactionException.class);
    assertThatThrownBy(() -> files.stat(RequestContext.AUTOCOMMIT, new FileId(Long.MAX_VALUE)))
        .isInstanceOf(UnknownFileException.class);
  }

  @Test
  void aWriteWhosePreconditionFailsOrWhoseBodyIsShortChangesNothing() {
    FileId f = newFile();
    FileInfo first = FileBytes.write(files, RequestContext.AUTOCOMMIT, f, 0, filled(4, 1));
    FileInfo second = FileBytes.write(files, RequestContext.AUTOCOMMIT, f, 0, filled(4, 2));
    assertThatThrownBy(
            () ->
                files.write(
                    RequestContext.AUTOCOMMIT,
                    f,
                    0,
                    4,
                    new ByteArrayInputStream(filled(4, 3)),
                    null,
                    new HttpBigFiles.IfMatch(first.version())))
        .isInstanceOf(PreconditionFailedException.class);
    assertThatThrownBy(
            () ->
                files.write(
                    RequestContext.AUTOCOMMIT,
                    f,
                    0,
                    6,
                    new ByteArrayInputStream(filled(4, 3)),
                    null,
                    null))
        .isInstanceOf(InvalidRequestException.class);
    assertThat(FileBytes.readAll(files, RequestContext.AUTOCOMMIT, f)).containsOnly(2);
    files.write(
        RequestContext.AUTOCOMMIT,
        f,
        0,
        4,
        new ByteArrayInputStream(filled(4, 4)),
        null,
        new HttpBigFiles.IfMatch(second.version()));
    assertThat(FileBytes.readAll(files, RequestContext.AUTOCOMMIT, f)).containsOnly(4);
  }

  @Test
  void routingSendsATransactionsCallsToItsOwnerAndTheRestInTurn() {
    HttpBigFiles.Routing owner = HttpBigFiles.Routing.transactionsToOwner();
    assertThat(IntStream.range(0, 4).map(i -> owner.target(null, -1, 3)))
        .containsExactly(0, 1, 2, 0);
    assertThat(owner.target("t", 2, 3)).isEqualTo(2);
    // a transaction begun elsewhere (owner unknown) goes in turn, as any other call
    assertThat(owner.target("u", -1, 3)).isEqualTo(1);
    HttpBigFiles.Routing any = HttpBigFiles.Routing.roundRobin();
    assertThat(IntStream.range(0, 4).map(i -> any.target("t", 2, 3))).containsExactly(0, 1, 2, 0);
  }
}
