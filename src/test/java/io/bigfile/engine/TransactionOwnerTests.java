package io.bigfile.engine;

import static io.bigfile.support.FileBytes.readAll;
import static io.bigfile.support.FileBytes.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.block.InMemoryBlockStore;
import io.bigfile.file.FileId;
import io.bigfile.file.NewFile;
import io.bigfile.file.RequestContext;
import io.bigfile.file.TransactionNotOpenException;
import io.bigfile.file.TransactionState;
import io.bigfile.file.UnknownTransactionException;
import io.bigfile.file.WriteFormat;
import io.bigfile.pagecache.DirtyBudget;
import io.bigfile.pagecache.PageCache;
import io.bigfile.support.MutableClock;
import io.bigfile.support.Stores;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A transaction belongs to the owner that began it: for any other owner every operation on it fails
 * exactly as for an unknown id, open or finished, and leaves it as it was.
 */
class TransactionOwnerTests {

  private static final int BS = 4096;

  private final MutableClock clock = new MutableClock();
  private Engine engine;

  @BeforeEach
  void setUp() {
    InMemoryBlockStore store = new InMemoryBlockStore(clock);
    EngineSettings s =
        new EngineSettings(
            BS,
            WriteFormat.AUTO,
            1 << 20,
            Duration.ofMinutes(5),
            Duration.ofMinutes(10),
            64 * BS,
            Duration.ofHours(1),
            Duration.ofMinutes(3),
            50_000,
            500_000,
            100_000,
            Duration.ofHours(24));
    engine =
        new Engine(
            store,
            new PageCache(1 << 20),
            new DirtyBudget(64 * BS, 16 * BS),
            s,
            clock,
            n -> {},
            Stores.PREFETCH);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void anotherOwnerCannotFindAnOpenTransaction() {
    FileId f =
        engine.create(RequestContext.AUTOCOMMIT, new NewFile("f", BS, WriteFormat.AUTO)).id();
    String t = engine.begin("alice").id();
    write(engine, new RequestContext.InTransaction(t, "alice"), f, 0, ascii("mine"));

    RequestContext bobs = new RequestContext.InTransaction(t, "bob");
    String unknown = new UnknownTransactionException(t).getMessage();
    assertThatThrownBy(() -> engine.transaction(t, "bob"))
        .isInstanceOf(UnknownTransactionException.class)
        .hasMessage(unknown);
    assertThatThrownBy(() -> engine.commit(t, "bob"))
        .isInstanceOf(UnknownTransactionException.class)
        .hasMessage(unknown);
    assertThatThrownBy(() -> engine.abort(t, "bob"))
        .isInstanceOf(UnknownTransactionException.class)
        .hasMessage(unknown);
    assertThatThrownBy(() -> readAll(engine, bobs, f))
        .isInstanceOf(UnknownTransactionException.class);
    assertThatThrownBy(() -> write(engine, bobs, f, 0, ascii("evil")))
        .isInstanceOf(UnknownTransactionException.class);
    // the unnamed owner of single-principal callers is another owner too
    assertThatThrownBy(() -> engine.transaction(t)).isInstanceOf(UnknownTransactionException.class);

    RequestContext alices = new RequestContext.InTransaction(t, "alice");
    assertThat(readAll(engine, alices, f)).isEqualTo(ascii("mine"));
    assertThat(engine.transaction(t, "alice").state()).isEqualTo(TransactionState.OPEN);
    engine.commit(t, "alice");
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEqualTo(ascii("mine"));
  }

  @Test
  void aFinishedTransactionIsNotOpenToItsOwnerAndUnknownToOthers() {
    String t = engine.begin("alice").id();
    engine.abort(t, "alice");
    assertThat(engine.transaction(t, "alice").state()).isEqualTo(TransactionState.ABORTED);
    assertThatThrownBy(() -> engine.commit(t, "alice"))
        .isInstanceOf(TransactionNotOpenException.class);
    assertThatThrownBy(() -> engine.commit(t, "bob"))
        .isInstanceOf(UnknownTransactionException.class);
    assertThatThrownBy(() -> engine.transaction(t, "bob"))
        .isInstanceOf(UnknownTransactionException.class);
  }
}
