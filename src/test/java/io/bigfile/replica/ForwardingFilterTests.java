package io.bigfile.replica;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ForwardingFilterTests {

  @Test
  void theTransactionOfARequestIsInItsPathOrItsTxnParameter() {
    assertThat(ForwardingFilter.transactionOf("/v1/transactions/1k.abc", null)).isEqualTo("1k.abc");
    assertThat(ForwardingFilter.transactionOf("/v1/transactions/1k.abc/commit", null))
        .isEqualTo("1k.abc");
    assertThat(ForwardingFilter.transactionOf("/v1/transactions", null)).isNull();
    assertThat(ForwardingFilter.transactionOf("/v1/transactions/", null)).isNull();
    assertThat(ForwardingFilter.transactionOf("/v1/files/1/content", "txn=1k.abc"))
        .isEqualTo("1k.abc");
    assertThat(ForwardingFilter.transactionOf("/v1/files/1/content", "at=3&txn=1k.a%2Dc&x=1"))
        .isEqualTo("1k.a-c");
    assertThat(ForwardingFilter.transactionOf("/v1/files/1/content", "at=3")).isNull();
    assertThat(ForwardingFilter.transactionOf("/v1/files/1/content", "notxn=1k.abc")).isNull();
  }

  @Test
  void aMalformedOrRepeatedTxnIsLeftToTheReplicaThatReceivedIt() {
    assertThat(ForwardingFilter.transactionOf("/v1/files/1/content", "txn=1k.a&txn=2k.b")).isNull();
    assertThat(ForwardingFilter.transactionOf("/v1/files/1/content", "txn=%zz")).isNull();
  }
}
