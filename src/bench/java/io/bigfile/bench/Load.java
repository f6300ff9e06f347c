package io.bigfile.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/** Timing helpers: one timed action, or many operations spread over concurrent clients. */
final class Load {

  private Load() {}

  /** One client of a concurrent load: its own connection(s), made before the clock starts. */
  interface Client extends AutoCloseable {
    /** Operation {@code i} of the load. */
    void op(int i);

    @Override
    default void close() {}
  }

  /** Seconds that {@code action} took. */
  static double time(Runnable action) {
    long t0 = System.nanoTime();
    action.run();
    return (System.nanoTime() - t0) / 1e9;
  }

  /**
   * Runs operations {@code 0..total-1} on {@code clients} threads, each taking the next operation
   * as soon as its previous one is done, and returns the seconds from the start of the first to the
   * end of the last. Each thread's client is made (and has opened its connection) before the clock
   * starts.
   */
  static double run(int clients, int total, IntFunction<Client> factory) {
    List<Client> made = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      made.add(factory.apply(c));
    }
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (Client client : made) {
      Thread t =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int i; (i = next.getAndIncrement()) < total && failure.get() == null; ) {
                    client.op(i);
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                }
              },
              "bench-client");
      t.start();
      threads.add(t);
    }
    long t0 = System.nanoTime();
    start.countDown();
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    for (Client c : made) {
      c.close();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a client failed", failure.get());
    }
    return seconds;
  }
}
