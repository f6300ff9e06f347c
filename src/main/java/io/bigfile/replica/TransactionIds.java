package io.bigfile.replica;

import java.util.OptionalLong;

/**
 * Transaction ids that name their owner: {@code <replica>.<random>}, the replica's registry id in
 * base 36, a dot, and 128 random bits in URL-safe base64 ({@code 1k.q3Zc0...}). Any replica reads
 * the owner from the id alone, with no look-up of the transaction itself.
 */
public final class TransactionIds {

  private static final int RADIX = 36;

  private TransactionIds() {}

  /** What begins every transaction id of replica {@code replica}. */
  public static String prefix(long replica) {
    return Long.toString(replica, RADIX) + ".";
  }

  /** The replica that owns transaction {@code id}; empty for an id of no replica's making. */
  public static OptionalLong owner(String id) {
    int dot = id.indexOf('.');
    if (dot < 1 || dot > 12) {
      return OptionalLong.empty();
    }
    try {
      long replica = Long.parseLong(id, 0, dot, RADIX);
      return replica > 0 ? OptionalLong.of(replica) : OptionalLong.empty();
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }
}
