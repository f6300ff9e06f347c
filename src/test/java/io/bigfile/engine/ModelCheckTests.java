package io.bigfile.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bigfile.support.Stores;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The randomized model check on the in-memory store: many seeds, thousands of operations each. More
 * seeds: {@code -Dbigfile.model.seeds=200}.
 */
class ModelCheckTests {

  static LongStream seeds() {
    return LongStream.rangeClosed(1, Long.getLong("bigfile.model.seeds", 8));
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void randomOperationsMatchTheModel(long seed) {
    ModelCheck check = new ModelCheck(Stores.engine(Stores.inMemory()), seed);
    check.run(3000);
    assertTrue(check.commits > 10, "commits: " + check.commits);
    assertTrue(check.conflicts > 0, "conflicts: " + check.conflicts);
    assertTrue(check.reads > 300, "reads: " + check.reads);
  }
}
