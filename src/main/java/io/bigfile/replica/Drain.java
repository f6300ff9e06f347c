package io.bigfile.replica;

import java.time.Duration;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * A rolling update without lost work: when the service is asked to stop (SIGTERM), this replica
 * turns unready (Kubernetes takes it out of the Service), begins no transactions (a begin that
 * reaches it is forwarded to another replica) and keeps serving its open transactions, directly and
 * forwarded, until none is left or the drain period is over. Then the shutdown goes on: the web
 * server stops, and the engine aborts what is left. The first lifecycle to stop, so the web server
 * still serves throughout.
 */
public final class Drain implements SmartLifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(Drain.class);
  private static final long POLL_MILLIS = 50;

  private final ReplicaRegistry registry;
  private final IntSupplier openTransactions;
  private final Duration period;
  private final ApplicationEventPublisher events;
  private volatile boolean running;

  /**
   * @param openTransactions how many transactions this replica still has (open or committing)
   * @param period the longest it waits for them
   */
  public Drain(
      ReplicaRegistry registry,
      IntSupplier openTransactions,
      Duration period,
      ApplicationEventPublisher events) {
    this.registry = registry;
    this.openTransactions = openTransactions;
    this.period = period;
    this.events = events;
  }

  /**
   * Starts, or starts again after a stop that did not end the service (a stopped context started
   * again, as Spring's test context cache does with the contexts it pauses): the replica is ready
   * and begins transactions again.
   */
  @Override
  public void start() {
    if (registry.draining()) {
      registry.resume();
      AvailabilityChangeEvent.publish(events, this, ReadinessState.ACCEPTING_TRAFFIC);
    }
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
    registry.drain();
    int open = openTransactions.getAsInt();
    if (open == 0) {
      return;
    }
    LOG.info("stopping: waiting up to {} for {} open transactions", period, open);
    long deadline = System.nanoTime() + period.toNanos();
    while (open > 0 && System.nanoTime() - deadline < 0) {
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      open = openTransactions.getAsInt();
    }
    if (open > 0) {
      LOG.warn("stopping: the drain period is over; {} open transactions are aborted", open);
    } else {
      LOG.info("stopping: every open transaction finished");
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Stops first: before the web server, which keeps serving throughout the drain. */
  @Override
  public int getPhase() {
    return Integer.MAX_VALUE;
  }
}
