package io.bigfile.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bigfile.support.Stores;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The randomized model check on PostgreSQL: interleaved transactions, autocommit uploads,
 * truncations and every format, with every read compared against the model, through the real SQL
 * and JTA commit path.
 */
class EngineModelIT {

  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13})
  void randomOperationsMatchTheModel(long seed) {
    ModelCheck check = new ModelCheck(Stores.engine(Stores.postgres()), seed);
    check.run(1500);
    assertTrue(check.commits > 10, "commits: " + check.commits);
    assertTrue(check.conflicts > 0, "conflicts: " + check.conflicts);
  }

  /**
   * The same with history packed down to the head (retention zero) at random moments: what open
   * transactions and retained revisions see must survive every pack.
   */
  @ParameterizedTest
  @ValueSource(longs = {21, 22})
  void packingNeverRemovesWhatSomeoneCanSee(long seed) {
    var store = Stores.postgres();
    Engine engine =
        Stores.engine(
            store,
            Stores.settings(java.time.Duration.ZERO),
            new io.bigfile.pagecache.DirtyBudget(1L << 30, 1L << 28));
    ModelCheck check =
        new ModelCheck(
            engine,
            seed,
            new ModelCheck.History() {
              @Override
              public void pack() {
                engine.pack();
              }

              @Override
              public long oldestReadable() {
                return store.oldestRetainedRevision();
              }
            });
    check.run(1500);
    assertTrue(check.packs > 10, "packs: " + check.packs);
  }
}
