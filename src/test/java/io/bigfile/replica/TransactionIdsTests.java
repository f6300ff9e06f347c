package io.bigfile.replica;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TransactionIdsTests {

  @Test
  void theOwnerIsReadFromTheIdAlone() {
    for (long replica : new long[] {1, 35, 36, 1295, 1L << 40}) {
      String id = TransactionIds.prefix(replica) + "q3Zc0-_AAAAAAAAAAAAAAA";
      assertThat(TransactionIds.owner(id)).hasValue(replica);
    }
    assertThat(TransactionIds.prefix(1295)).isEqualTo("zz.");
  }

  @Test
  void idsOfNoReplicaHaveNoOwner() {
    assertThat(TransactionIds.owner("q3Zc0-_AAAAAAAAAAAAAAA")).isEmpty();
    assertThat(TransactionIds.owner(".abc")).isEmpty();
    assertThat(TransactionIds.owner("0.abc")).isEmpty();
    assertThat(TransactionIds.owner("-1.abc")).isEmpty();
    assertThat(TransactionIds.owner("a_b.abc")).isEmpty();
    assertThat(TransactionIds.owner("zzzzzzzzzzzzzzz.abc"))
        .as("too long for a replica id")
        .isEmpty();
    assertThat(TransactionIds.owner("")).isEmpty();
  }
}
